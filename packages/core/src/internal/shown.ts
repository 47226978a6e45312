/** How a value a user typed is shown in an error: quoted, cut to 40 characters. @internal */
export const shown = (value: unknown): string =>
  typeof value === "string"
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
    : typeof value === "number"
      ? String(value)
      : typeof value
