// Whether a text fits a width in a given font, measured on one shared 2D canvas (no layout, no DOM). Where there
// is no canvas (tests in jsdom), everything "fits" and CSS truncation does the rest.

let context: CanvasRenderingContext2D | null | undefined;
let family: string | undefined;

function canvas(): CanvasRenderingContext2D | null {
  if (context === undefined) {
    try {
      context = document.createElement('canvas').getContext('2d');
    } catch {
      context = null;
    }
  }
  return context;
}

/** The page's text font family (the one tiles inherit), read once. */
function fontFamily(): string {
  family ??= getComputedStyle(document.body).fontFamily || 'sans-serif';
  return family;
}

/**
 * A `fits(text)` for one font (`px`, `weight`) and width; use it at once (it sets the canvas's font when made).
 */
export function textFits(px: number, weight: number, maxWidth: number): (text: string) => boolean {
  const ctx = canvas();
  if (!ctx || maxWidth <= 0) return () => true;
  ctx.font = `${weight} ${px}px ${fontFamily()}`;
  return (text) => ctx.measureText(text).width <= maxWidth;
}
