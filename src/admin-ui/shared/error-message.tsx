import type { MessagePart } from './localize.js';

/** A localized error message; the facts from its params (DNs, names, values) are marked as data, not to be translated. */
export function ErrorMessage({ message, parts }: { message: string; parts: MessagePart[] | null }) {
  if (!parts) return <>{message}</>;
  return (
    <>
      {parts.map((part, i) => (part.value ? <span key={i} translate="no">{part.text}</span> : part.text))}
    </>
  );
}
