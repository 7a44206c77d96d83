import { Button, Field, Input, MessageBar, MessageBarBody, Subtitle2, Switch, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DirSyncStatus } from '../../../tenant/api/contract.js';
import { ApiError } from '../../api/client.js';
import { adminApi } from '../../api/endpoints.js';
import { ReaderTooltip } from '../../shared/reader-tooltip.js';
import { useSession } from '../../shared/session.js';
import { ErrorBar } from '../../shared/ui.js';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalXXL, maxWidth: '640px' },
});

/** The ranges the tenant accepts (settingsPatchRequest), checked here first so the admin sees which field is wrong. */
const FIELDS = {
  deleteThreshold: { min: 0, max: 10_000_000 },
  deleteThresholdPercent: { min: 0, max: 100 },
  staleAfterHours: { min: 1, max: 24 * 365 },
} as const;
type NumberField = keyof typeof FIELDS;

function parseWhole(text: string, range: { min: number; max: number }): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return value >= range.min && value <= range.max ? value : null;
}

/** The settings that used to need the API; each save is audited with old → new by the tenant. */
export function SettingsSection({ status, onSaved }: { status: DirSyncStatus; onSaved(): void }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const initial = (): Record<NumberField, string> => ({
    deleteThreshold: String(status.deleteThreshold), deleteThresholdPercent: String(status.deleteThresholdPercent), staleAfterHours: String(status.staleAfterHours),
  });
  const [values, setValues] = useState(initial);
  const [directorySync, setDirectorySync] = useState(status.directorySyncEnabled);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setValues(initial());
    setDirectorySync(status.directorySyncEnabled);
    // Only when the stored settings change, not on every status poll.
  }, [status.deleteThreshold, status.deleteThresholdPercent, status.staleAfterHours, status.directorySyncEnabled]);

  const serverFields = error instanceof ApiError && Array.isArray(error.details?.['fields']) ? (error.details['fields'] as string[]) : [];
  const invalid = (field: NumberField) => parseWhole(values[field], FIELDS[field]) === null || serverFields.includes(field);

  const save = async () => {
    setSaved(null);
    setError(undefined);
    if ((Object.keys(FIELDS) as NumberField[]).some((field) => parseWhole(values[field], FIELDS[field]) === null)) return;
    const patch = {
      directorySyncEnabled: directorySync,
      deleteThreshold: parseWhole(values.deleteThreshold, FIELDS.deleteThreshold)!,
      deleteThresholdPercent: parseWhole(values.deleteThresholdPercent, FIELDS.deleteThresholdPercent)!,
      staleAfterHours: parseWhole(values.staleAfterHours, FIELDS.staleAfterHours)!,
    };
    const changed = patch.directorySyncEnabled !== status.directorySyncEnabled || patch.deleteThreshold !== status.deleteThreshold
      || patch.deleteThresholdPercent !== status.deleteThresholdPercent || patch.staleAfterHours !== status.staleAfterHours;
    if (!changed) { setSaved(t('dirsyncManage.settings.unchanged')); return; }
    setBusy(true);
    try {
      await adminApi.patchSettings(patch);
      setSaved(t('dirsyncManage.settings.saved'));
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const numberField = (field: NumberField) => (
    <Field key={field} label={t(`dirsyncManage.settings.${field}`)}
      hint={t(`dirsyncManage.settings.${field}Hint`)}
      validationState={invalid(field) ? 'error' : 'none'}
      validationMessage={invalid(field) ? t('dirsyncManage.settings.wholeNumber', FIELDS[field]) : undefined}>
      <Input value={values[field]} inputMode="numeric" disabled={!isGlobalAdmin} data-testid={`setting-${field}`}
        onChange={(_e, data) => { setValues((v) => ({ ...v, [field]: data.value })); setSaved(null); }} />
    </Field>
  );

  return (
    <section className={styles.section} aria-labelledby="settings-heading" data-testid="dirsync-settings">
      <Subtitle2 as="h2" id="settings-heading">{t('dirsyncManage.settings.title')}</Subtitle2>
      <Text>{t('dirsyncManage.settings.intro')}</Text>
      <Field label={t('dirsyncManage.settings.directorySync')}>
        <Switch checked={directorySync} disabled={!isGlobalAdmin} label={directorySync ? t('common.true') : t('common.false')}
          onChange={(_e, data) => setDirectorySync(data.checked)} data-testid="setting-directorySyncEnabled" />
      </Field>
      {(Object.keys(FIELDS) as NumberField[]).map(numberField)}
      <ErrorBar error={error} />
      {saved ? <MessageBar intent="success" data-testid="settings-saved"><MessageBarBody>{saved}</MessageBarBody></MessageBar> : null}
      <div>
        <ReaderTooltip reader={!isGlobalAdmin}>
          <Button appearance="primary" disabled={!isGlobalAdmin || busy} onClick={() => void save()} data-testid="settings-save">{t('dirsyncManage.settings.save')}</Button>
        </ReaderTooltip>
      </div>
    </section>
  );
}
