// A VM card's selection checkbox ("Select web-01"): one element, so the grid stays within its DOM budget. A
// shift-click selects the range from the last one clicked (the app layer keeps the selection and the grid's order).
export function SelectBox({
  name,
  checked,
  onToggle,
}: {
  name: string;
  checked: boolean;
  /** `shift`: the click held Shift (select the range). */
  onToggle: (shift: boolean) => void;
}) {
  return (
    <input
      type="checkbox"
      aria-label={`Select ${name}`}
      checked={checked}
      // A checkbox's change comes from a click (also for Space), which says whether Shift was held.
      onChange={(e) => onToggle((e.nativeEvent as MouseEvent).shiftKey === true)}
      // Shift+click would also select the text between the two cards.
      onMouseDown={(e) => e.shiftKey && e.preventDefault()}
      className="mt-0.5 size-4 shrink-0 cursor-pointer accent-accent"
    />
  );
}
