import { Link } from '@fluentui/react-components';
import type { MouseEvent, ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';

/** A Fluent link that navigates inside the single-page app (real href for open-in-new-tab). */
export function RouterLink({ to, children, testId }: { to: string; children: ReactNode; testId?: string }) {
  const navigate = useNavigate();
  const internal = to.startsWith('/') && !to.startsWith('//');
  const onClick = (event: MouseEvent) => {
    if (!internal || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    void navigate(to);
  };
  return (
    <Link href={to} onClick={onClick} data-testid={testId}>
      {children}
    </Link>
  );
}
