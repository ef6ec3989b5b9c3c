/**
 * A deterministic word-level tokenizer for task instructions.
 *
 * The original feeds the instruction through Llama-2's SentencePiece vocabulary; our VLA is small and its
 * language is a closed set (the lowercased instructions of LIBERO's 130 tasks), so one id per word is enough
 * and every id is trained. The vocabulary is built from the instructions the caller passes in (`models/`
 * does not import `sim/`; `src/` collects them, DESIGN.md "Layering").
 *
 * Words: the text is lowercased and split on everything that is not a letter or a digit (whitespace and
 * punctuation, underscores included); the punctuation itself is dropped.
 * Ids: 0 = pad, 1 = unk, then the distinct words in ascending code-point order from 2, so the same set of
 * instructions, in any order and with any repeats, gives the same ids.
 */
import { jsonObject } from "./jsonInput.ts";

/** Id of the padding token; sequences are right-padded with it. */
export const PAD_ID = 0;
/** Id of every word not in the vocabulary. */
export const UNK_ID = 1;
export const PAD_TOKEN = "<pad>";
export const UNK_TOKEN = "<unk>";

const FORMAT = "simplevla-ts/text-tokenizer";
const VERSION = 1;

/** The serialized form written into checkpoints. */
export interface TextTokenizerJSON {
  format: typeof FORMAT;
  version: typeof VERSION;
  /** The words with ids 2, 3, …, ascending. */
  words: string[];
}

/** Lowercased words of `text`: runs of letters and digits; everything else separates them. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Ascending code-point order (not locale order, which differs between machines). */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class TextTokenizer {
  /** id → word; ids 0 and 1 are `<pad>` and `<unk>`. */
  private readonly idToWord: string[];
  private readonly wordToId: Map<string, number>;

  private constructor(words: string[]) {
    this.idToWord = [PAD_TOKEN, UNK_TOKEN, ...words];
    this.wordToId = new Map(words.map((w, i) => [w, i + 2]));
  }

  /** Builds the vocabulary from `instructions` (any order, repeats allowed). */
  static fromInstructions(instructions: readonly string[]): TextTokenizer {
    if (!Array.isArray(instructions) || !instructions.every((s) => typeof s === "string")) {
      throw new Error("TextTokenizer.fromInstructions: instructions must be an array of strings.");
    }
    const words = new Set<string>();
    for (const text of instructions) for (const w of splitWords(text)) words.add(w);
    return new TextTokenizer([...words].sort(byCodePoint));
  }

  /** Ids including pad and unk. */
  get vocabSize(): number {
    return this.idToWord.length;
  }

  /** The id of one word (already lowercased), or UNK_ID. */
  idOf(word: string): number {
    return this.wordToId.get(word) ?? UNK_ID;
  }

  /**
   * [maxLen] int32 ids of `text`, right-padded with PAD_ID. Truncation keeps the first maxLen words and
   * drops the rest (the instruction's verb and first object come first). Unknown words become UNK_ID.
   */
  encode(text: string, maxLen: number): Int32Array {
    if (typeof text !== "string") throw new Error(`TextTokenizer.encode: text must be a string; got ${typeof text}.`);
    if (!Number.isInteger(maxLen) || maxLen < 1) {
      throw new Error(`TextTokenizer.encode: maxLen must be a positive integer; got ${maxLen}.`);
    }
    const ids = new Int32Array(maxLen); // [L], zeros = PAD_ID
    const words = splitWords(text);
    for (let i = 0; i < Math.min(words.length, maxLen); i++) ids[i] = this.idOf(words[i]);
    return ids;
  }

  /** Words of `ids` joined by single spaces; pads are skipped, unk shows as `<unk>`. */
  decode(ids: ArrayLike<number>): string {
    const words: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`TextTokenizer.decode: id ${i} must be an integer in 0..${this.vocabSize - 1}; got ${id}.`);
      }
      if (id !== PAD_ID) words.push(this.idToWord[id]);
    }
    return words.join(" ");
  }

  toJSON(): TextTokenizerJSON {
    return { format: FORMAT, version: VERSION, words: this.idToWord.slice(2) };
  }

  /**
   * Reads a tokenizer back from parsed JSON (or a JSON string). The word list must be what
   * `fromInstructions` makes: distinct non-empty words of letters and digits, lowercase, ascending.
   * `where` names the source (a checkpoint path) in error messages.
   */
  static fromJSON(value: unknown, where = "text tokenizer"): TextTokenizer {
    const o = jsonObject(value, where, "an object with fields format, version, words");
    if (o.format !== FORMAT) throw new Error(`${where}: field 'format' must be "${FORMAT}"; got ${JSON.stringify(o.format)}.`);
    if (o.version !== VERSION) throw new Error(`${where}: field 'version' must be ${VERSION}; got ${JSON.stringify(o.version)}.`);
    if (!Array.isArray(o.words)) throw new Error(`${where}: field 'words' must be an array of strings.`);
    const words = o.words as unknown[];
    words.forEach((w, i) => {
      if (typeof w !== "string" || splitWords(w).length !== 1 || splitWords(w)[0] !== w) {
        throw new Error(`${where}: field 'words' entry ${i} must be one lowercase word of letters and digits; got ${JSON.stringify(w)}.`);
      }
      if (i > 0 && byCodePoint(words[i - 1] as string, w) >= 0) {
        throw new Error(`${where}: field 'words' must be distinct and ascending; entry ${i} ${JSON.stringify(w)} follows ${JSON.stringify(words[i - 1])}.`);
      }
    });
    return new TextTokenizer(words as string[]);
  }
}
