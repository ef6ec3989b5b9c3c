import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PAD_ID, TextTokenizer, UNK_ID, splitWords } from "../../models/textTokenizer.ts";

const instructions = [
  "put the bowl on the plate",
  "Open the top drawer and put the bowl inside",
  "pick up the ketchup and place it in the basket.",
];

describe("TextTokenizer", () => {
  it("words are lowercased and split on whitespace and punctuation", () => {
    expect(splitWords("  Pick up the KETCHUP, and place-it in the basket_now!  ")).toEqual([
      "pick", "up", "the", "ketchup", "and", "place", "it", "in", "the", "basket", "now",
    ]);
  });

  it("pad is id 0, unk is id 1, words follow in ascending order from 2", () => {
    const tok = TextTokenizer.fromInstructions(["b a", "c a"]);
    expect(tok.vocabSize).toBe(5);
    expect(tok.idOf("a")).toBe(2);
    expect(tok.idOf("b")).toBe(3);
    expect(tok.idOf("c")).toBe(4);
    expect(tok.idOf("zzz")).toBe(UNK_ID);
  });

  it("the same instructions in any order, with repeats, give the same ids", () => {
    const reference = TextTokenizer.fromInstructions(instructions).toJSON();
    fc.assert(
      fc.property(fc.shuffledSubarray([...instructions, ...instructions], { minLength: 6, maxLength: 6 }), (shuffled) => {
        expect(TextTokenizer.fromInstructions(shuffled).toJSON()).toEqual(reference);
      }),
      { numRuns: 50 },
    );
  });

  it("encode right-pads with 0 and marks unknown words with unk", () => {
    const tok = TextTokenizer.fromInstructions(instructions);
    const ids = tok.encode("Put the SPOON on the plate", 8);
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(8);
    expect(ids[2]).toBe(UNK_ID);
    expect(Array.from(ids.slice(6))).toEqual([PAD_ID, PAD_ID]);
    expect(tok.decode(ids)).toBe("put the <unk> on the plate");
  });

  it("truncation keeps the first maxLen words", () => {
    const tok = TextTokenizer.fromInstructions(instructions);
    expect(tok.decode(tok.encode("put the bowl on the plate", 3))).toBe("put the bowl");
  });

  it("decode inverts encode on known instructions (as lowercased words)", () => {
    const tok = TextTokenizer.fromInstructions(instructions);
    for (const s of instructions) expect(tok.decode(tok.encode(s, 20))).toBe(splitWords(s).join(" "));
  });

  it("serialization round trips through JSON text", () => {
    const tok = TextTokenizer.fromInstructions(instructions);
    const back = TextTokenizer.fromJSON(JSON.stringify(tok));
    expect(back.toJSON()).toEqual(tok.toJSON());
    expect(Array.from(back.encode(instructions[1], 12))).toEqual(Array.from(tok.encode(instructions[1], 12)));
  });

  it("bad arguments and corrupt JSON get messages naming the field", () => {
    const tok = TextTokenizer.fromInstructions(instructions);
    expect(() => tok.encode("put", 0)).toThrow(/maxLen must be a positive integer; got 0/);
    expect(() => tok.decode([0, 99])).toThrow(/id 1 must be an integer in 0..\d+; got 99/);
    const good = tok.toJSON();
    expect(() => TextTokenizer.fromJSON({ ...good, format: "x" }, "ckpt.json")).toThrow(/ckpt.json: field 'format'/);
    expect(() => TextTokenizer.fromJSON({ ...good, version: 2 })).toThrow(/field 'version' must be 1/);
    expect(() => TextTokenizer.fromJSON({ ...good, words: ["b", "a"] })).toThrow(/distinct and ascending; entry 1 "a"/);
    expect(() => TextTokenizer.fromJSON({ ...good, words: ["Bowl"] })).toThrow(/entry 0 must be one lowercase word/);
    expect(() => TextTokenizer.fromJSON({ ...good, words: ["two words"] })).toThrow(/entry 0/);
    expect(() => TextTokenizer.fromJSON("{")).toThrow(/not valid JSON/);
  });
});
