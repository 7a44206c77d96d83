# An independent MS-DRSR client for the tests: impacket (Debian's python3-impacket) replicates one
# user from the DC (IDL_DRSGetNCChanges, EXOP_REPL_OBJ, as its secretsdump does) and prints the
# SHA-256 of the decrypted NT hash, never the hash itself.
# secretsdump.py needs SMB, which the test DC does not run, so its steps are taken here over TCP:
# the endpoint mapper, NTLM at packet privacy, DRSBind, GetNCChanges, impacket's own decryption.
# impacket's prefix table lacks the schemaInfo entry Samba requires with a partial attribute set
# (WERROR 0x57): it is appended, as ../shared/notes/active-directory.md describes.
# Usage: /usr/bin/python3 impacket-nt-hash.py HOST DOMAIN USER OBJECT_GUID  (the password on stdin)
import hashlib
import sys

from impacket.dcerpc.v5 import drsuapi, epm, transport
from impacket.dcerpc.v5.dtypes import NULL
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY
from impacket.uuid import string_to_bin
from impacket.examples.secretsdump import NTDSHashes

host, domain, user, guid = sys.argv[1:5]
password = sys.stdin.read()

binding = epm.hept_map(host, drsuapi.MSRPC_UUID_DRSUAPI, protocol='ncacn_ip_tcp')
rpc = transport.DCERPCTransportFactory(binding)
rpc.setRemoteHost(host)
rpc.set_credentials(user, password, domain, '', '')
dce = rpc.get_dce_rpc()
dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
dce.connect()
dce.bind(drsuapi.MSRPC_UUID_DRSUAPI)

bind = drsuapi.DRSBind()
bind['puuidClientDsa'] = drsuapi.NTDSAPI_CLIENT_GUID
ext = drsuapi.DRS_EXTENSIONS_INT()
ext['cb'] = len(ext)
ext['dwFlags'] = drsuapi.DRS_EXT_GETCHGREQ_V6 | drsuapi.DRS_EXT_GETCHGREPLY_V6 | drsuapi.DRS_EXT_GETCHGREQ_V8 | drsuapi.DRS_EXT_STRONG_ENCRYPTION
ext['SiteObjGuid'] = drsuapi.NULLGUID
ext['Pid'] = 0
ext['dwReplEpoch'] = 0
ext['dwFlagsExt'] = 0
ext['ConfigObjGUID'] = drsuapi.NULLGUID
ext['dwExtCaps'] = 0xffffffff
bind['pextClient']['cb'] = len(ext)
bind['pextClient']['rgb'] = list(ext.getData())
hDrs = dce.request(bind)['phDrs']

request = drsuapi.DRSGetNCChanges()
request['hDrs'] = hDrs
request['dwInVersion'] = 8
request['pmsgIn']['tag'] = 8
request['pmsgIn']['V8']['uuidDsaObjDest'] = drsuapi.NULLGUID
request['pmsgIn']['V8']['uuidInvocIdSrc'] = drsuapi.NULLGUID
name = drsuapi.DSNAME()
name['SidLen'] = 0
name['Guid'] = string_to_bin(guid)
name['Sid'] = ''
name['NameLen'] = 0
name['StringName'] = '\x00'
name['structLen'] = len(name.getData())
request['pmsgIn']['V8']['pNC'] = name
request['pmsgIn']['V8']['usnvecFrom']['usnHighObjUpdate'] = 0
request['pmsgIn']['V8']['usnvecFrom']['usnHighPropUpdate'] = 0
request['pmsgIn']['V8']['pUpToDateVecDest'] = NULL
request['pmsgIn']['V8']['ulFlags'] = drsuapi.DRS_INIT_SYNC | drsuapi.DRS_WRIT_REP
request['pmsgIn']['V8']['cMaxObjects'] = 1
request['pmsgIn']['V8']['cMaxBytes'] = 0
request['pmsgIn']['V8']['ulExtendedOp'] = drsuapi.EXOP_REPL_OBJ
prefixTable = []
attributes = drsuapi.PARTIAL_ATTR_VECTOR_V1_EXT()
attributes['dwVersion'] = 1
attributes['cAttrs'] = 1
attributes['rgPartialAttr'].append(drsuapi.MakeAttid(prefixTable, NTDSHashes.ATTRTYP_TO_ATTID['unicodePwd']))
schemaInfo = drsuapi.PrefixTableEntry()
schemaInfo['ndx'] = 0
schemaInfo['prefix']['length'] = 21
schemaInfo['prefix']['elements'] = [0xff] + [0] * 20
prefixTable.append(schemaInfo)
request['pmsgIn']['V8']['pPartialAttrSet'] = attributes
request['pmsgIn']['V8']['PrefixTableDest']['PrefixCount'] = len(prefixTable)
request['pmsgIn']['V8']['PrefixTableDest']['pPrefixEntry'] = prefixTable
request['pmsgIn']['V8']['pPartialAttrSetEx1'] = NULL
reply = dce.request(request)

out = reply['pmsgOut']['V6']
replyPrefixTable = out['PrefixTableSrc']['pPrefixEntry']
entry = out['pObjects']['Entinf']
def raw(value):
    # impacket hands NDR byte arrays as bytes or as lists of ints / 1-byte strings, by field.
    if isinstance(value, bytes):
        return value
    return b''.join(v if isinstance(v, bytes) else bytes([v]) for v in value)

rid = int.from_bytes(raw(entry['pName']['Sid'])[-4:], 'little')
for attr in entry['AttrBlock']['pAttr']:
    if drsuapi.OidFromAttid(replyPrefixTable, attr['attrTyp']) == NTDSHashes.ATTRTYP_TO_ATTID['unicodePwd']:
        encrypted = drsuapi.DecryptAttributeValue(dce, raw(attr['AttrVal']['pAVal'][0]['pVal']))
        print(hashlib.sha256(drsuapi.removeDESLayer(encrypted, rid)).hexdigest())
        sys.exit(0)
sys.exit('no unicodePwd in the reply')
