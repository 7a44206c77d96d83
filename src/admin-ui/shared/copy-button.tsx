import { Button } from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Copies a value shown once (a token, a client secret) to the clipboard. */
export function CopyButton({ text, testId }: { text: string; testId: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // Clipboard blocked (no secure context): the field is read-only and selectable instead.
      setCopied(false);
    }
  };
  return (
    <Button icon={<CopyRegular />} onClick={() => void copy()} data-testid={testId}>
      {copied ? t('common.copied') : t('common.copy')}
    </Button>
  );
}
