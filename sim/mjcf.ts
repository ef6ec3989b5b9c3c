/**
 * A small MJCF builder: scenes are generated from TypeScript (we ship no third-party XML or meshes), and the
 * generated XML is what MuJoCo compiles and what `npm run render -- --xml` exports for native cross-checks.
 *
 *   el("body", { name: "box", pos: [0, 0, 1] }, el("freejoint"), el("geom", { type: "box", size: [0.1, 0.1, 0.1] }))
 *
 * Attribute values may be strings, numbers, booleans or number arrays (written space-separated). Numbers are
 * written with up to 12 significant digits, so that the XML round-trips the values we computed.
 */
export type AttrValue = string | number | boolean | readonly number[] | undefined;
export type Attrs = Record<string, AttrValue>;

export interface MjcfElement {
  tag: string;
  attrs: Attrs;
  children: MjcfElement[];
}

type Child = MjcfElement | null | undefined | false | readonly Child[];

/** Builds one element; `null`/`false` children are skipped and nested arrays are flattened. */
export function el(tag: string, attrs: Attrs = {}, ...children: Child[]): MjcfElement {
  const flat: MjcfElement[] = [];
  const push = (c: Child): void => {
    if (!c) return;
    if (Array.isArray(c)) c.forEach(push);
    else flat.push(c as MjcfElement);
  };
  children.forEach(push);
  return { tag, attrs, children: flat };
}

export function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`MJCF attribute value ${x} is not a finite number.`);
  if (Object.is(x, -0) || x === 0) return "0";
  return String(Number(x.toPrecision(12)));
}

function attrText(v: Exclude<AttrValue, undefined>): string {
  if (typeof v === "number") return num(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return v.map(num).join(" ");
}

/** Serializes an element tree with two-space indentation. */
export function toXml(root: MjcfElement, indent = 0): string {
  const pad = "  ".repeat(indent);
  const attrs = Object.entries(root.attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${attrText(v as Exclude<AttrValue, undefined>)}"`)
    .join("");
  if (root.children.length === 0) return `${pad}<${root.tag}${attrs}/>`;
  const inner = root.children.map((c) => toXml(c, indent + 1)).join("\n");
  return `${pad}<${root.tag}${attrs}>\n${inner}\n${pad}</${root.tag}>`;
}
