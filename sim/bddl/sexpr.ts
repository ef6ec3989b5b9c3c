/**
 * S-expressions, the surface syntax of BDDL (and PDDL): atoms and parenthesised lists, `;` comments to the end
 * of the line. Every node remembers the line it starts on so that the typed reader (`parser.ts`) can point a
 * person at the exact place of a mistake.
 *
 * The reader is deliberately plain: no quoting, no escapes, no dotted pairs. BDDL needs none of them; LIBERO
 * itself reads its files by splitting on whitespace and parentheses.
 */

export interface SAtom {
  readonly kind: "atom";
  readonly text: string;
  /** 1-based line of the atom's first character. */
  readonly line: number;
}

export interface SList {
  readonly kind: "list";
  readonly items: readonly SExpr[];
  /** 1-based line of the opening parenthesis. */
  readonly line: number;
}

export type SExpr = SAtom | SList;

/** A malformed BDDL file: the message names the line (and the file, when known). */
export class BddlSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number, fileName?: string) {
    super(`${fileName ?? "BDDL"}:${line}: ${message}`);
    this.name = "BddlSyntaxError";
    this.line = line;
  }
}

/** Reads every top-level s-expression in `source`. Unbalanced parentheses are reported with their line. */
export function readSExpressions(source: string, fileName?: string): SExpr[] {
  const top: SExpr[] = [];
  // Open lists, innermost last; each keeps the line of its "(" for the "never closed" error.
  const stack: { items: SExpr[]; line: number }[] = [];
  let line = 1;
  let i = 0;
  const emit = (node: SExpr): void => {
    (stack.length > 0 ? stack[stack.length - 1].items : top).push(node);
  };
  while (i < source.length) {
    const ch = source[i];
    if (ch === "\n") {
      line++;
      i++;
    } else if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
    } else if (ch === ";") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (ch === "(") {
      stack.push({ items: [], line });
      i++;
    } else if (ch === ")") {
      const open = stack.pop();
      if (open === undefined) {
        throw new BddlSyntaxError("a ')' closes nothing; remove it or add the matching '('", line, fileName);
      }
      emit({ kind: "list", items: open.items, line: open.line });
      i++;
    } else {
      const start = i;
      while (i < source.length && !/[\s();]/.test(source[i])) i++;
      emit({ kind: "atom", text: source.slice(start, i), line });
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1];
    throw new BddlSyntaxError(`the '(' opened here is never closed (${stack.length} missing ')')`, open.line, fileName);
  }
  return top;
}

/** The text of an s-expression as one line, for error messages (`(On a b)`). */
export function showSExpr(node: SExpr): string {
  return node.kind === "atom" ? node.text : `(${node.items.map(showSExpr).join(" ")})`;
}
