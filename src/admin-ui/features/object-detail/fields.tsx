import { Body1, Card, CardHeader, Subtitle2, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  card: { marginBottom: tokens.spacingVerticalL },
  list: { display: 'grid', gridTemplateColumns: 'minmax(10rem, 16rem) 1fr', gap: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`, margin: 0 },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, minWidth: 0, overflowWrap: 'anywhere' },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
});

/** One section of a detail page. */
export function Section({ title, intro, children, testId }: { title: string; intro?: string; children: ReactNode; testId?: string }) {
  const styles = useStyles();
  return (
    <Card className={styles.card} data-testid={testId}>
      <CardHeader header={<Subtitle2 as="h2">{title}</Subtitle2>} description={intro ? <Body1>{intro}</Body1> : undefined} />
      {children}
    </Card>
  );
}

/** Label and value pairs; `mono` for DNs and anchors. */
export function Fields({ rows }: { rows: Array<{ label: string; value: ReactNode; testId?: string; mono?: boolean }> }) {
  const styles = useStyles();
  return (
    <dl className={styles.list}>
      {rows.map((row) => (
        <div key={row.label} style={{ display: 'contents' }}>
          <dt className={styles.term}>{row.label}</dt>
          <dd className={row.mono ? `${styles.value} ${styles.mono}` : styles.value} data-testid={row.testId}>
            {row.value ?? '—'}
          </dd>
        </div>
      ))}
    </dl>
  );
}
