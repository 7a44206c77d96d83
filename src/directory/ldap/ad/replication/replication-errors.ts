/**
 * Turns what can go wrong in replication into the coded errors of src/shared/errors.ts, with the
 * endpoint named and, where the protocol says why, the status in hex.
 */
import { AppError, isAppError } from '../../../../shared/errors.js';
import { NdrError } from './ndr.js';
import { NtlmError } from './ntlm.js';
import { RpcFaultError, RpcProtocolError, RpcTimeoutError, RpcUnreachableError } from './rpc-connection.js';
import { SecretLayerError } from './secrets.js';
import { PrefixTableError } from './prefix-table.js';
import { WERROR } from './drsuapi.js';

/** DCE/RPC statuses (C706 appendix E; MS-RPCE 3.1.1.5.5) that mean the credentials were refused. */
const ACCESS_DENIED = new Set([0x00000005, 0x1c010013]);
/** nca_s_fault_sec_pkg_error: what Samba answers when the NTLM AUTHENTICATE does not verify (a wrong password). */
const SEC_PKG_ERROR = 0x1c01000b;
/** rpc_s_unknown_authn_service / reject reason 8 (authentication type not recognized) and 9 (invalid checksum). */
const AUTHN_REFUSED = new Set([0x000006d3, 8]);

const hex = (n: number): string => `0x${n.toString(16).padStart(n > 0xffff ? 8 : 4, '0')}`;

export function werrorError(status: number, call: string): AppError {
  if (status === WERROR.draAccessDenied) {
    return new AppError('DRSR_RIGHTS_MISSING', { message: `${call} answered WERROR ${hex(status)} (replication access denied): the sync account lacks "Replicating Directory Changes" and "Replicating Directory Changes All" on the domain.`, details: { werror: status }, params: { call, status: hex(status) } });
  }
  return new AppError('DRSR_PROTOCOL_ERROR', { message: `${call} failed with WERROR ${hex(status)}.`, details: { werror: status }, params: { form: 'werror', call, status: hex(status) } });
}

export function replicationError(error: unknown, stage: 'endpoint-mapper' | 'no-drsuapi' | 'rpc', endpoint: string): AppError {
  if (isAppError(error)) return error;
  if (stage === 'no-drsuapi') {
    return new AppError('DRSR_UNREACHABLE', { message: `The endpoint mapper at ${endpoint} does not offer the directory replication interface (DRSUAPI): is this a domain controller?`, details: { endpoint }, params: { form: 'noDrsuapi', endpoint } });
  }
  if (error instanceof RpcUnreachableError || error instanceof RpcTimeoutError) {
    const what = stage === 'endpoint-mapper' ? 'the endpoint mapper (TCP 135)' : 'the replication RPC port (the dynamic port the endpoint mapper named)';
    return new AppError('DRSR_UNREACHABLE', { message: `The domain controller's ${what} at ${endpoint} cannot be reached: ${error.message}.`, details: { endpoint }, params: { form: stage === 'endpoint-mapper' ? 'endpointMapper' : 'rpcPort', endpoint, reason: error.message }, cause: error });
  }
  if (error instanceof RpcFaultError) {
    if (error.status === SEC_PKG_ERROR || ACCESS_DENIED.has(error.status)) {
      return new AppError('DRSR_AUTH_FAILED', { message: `The domain controller at ${endpoint} refused the sync account's NTLM sign-in (DCE/RPC status ${hex(error.status)}).`, details: { status: error.status }, params: { endpoint, status: hex(error.status) }, cause: error });
    }
    if (AUTHN_REFUSED.has(error.status)) {
      return new AppError('DRSR_NTLM_DISABLED', { message: `The domain controller at ${endpoint} does not accept NTLM for RPC (status ${hex(error.status)}); it requires Kerberos.`, details: { status: error.status }, params: { endpoint, status: hex(error.status) }, cause: error });
    }
    return new AppError('DRSR_PROTOCOL_ERROR', { message: `The domain controller at ${endpoint} answered with DCE/RPC fault ${hex(error.status)}: ${error.message}.`, details: { status: error.status }, params: { form: 'fault', endpoint, status: hex(error.status), reason: error.message }, cause: error });
  }
  if (error instanceof NtlmError) {
    return new AppError('DRSR_NTLM_DISABLED', { message: `NTLM sign-in at ${endpoint} cannot proceed: ${error.message}.`, params: { form: 'ntlm', endpoint, reason: error.message }, cause: error });
  }
  if (error instanceof NdrError || error instanceof RpcProtocolError || error instanceof SecretLayerError || error instanceof PrefixTableError) {
    return new AppError('DRSR_PROTOCOL_ERROR', { message: `A replication message from ${endpoint} cannot be read: ${error.message}.`, params: { form: 'unreadable', endpoint, reason: error.message }, cause: error });
  }
  return new AppError('DRSR_PROTOCOL_ERROR', { message: `Replication from ${endpoint} failed: ${error instanceof Error ? error.message : String(error)}.`, params: { endpoint, reason: error instanceof Error ? error.message : String(error) }, cause: error });
}
