// Text as sent: trimmed; undefined when blank. Pure.
export function cleanText(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t ? t : undefined;
}
