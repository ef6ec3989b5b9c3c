/**
 * Seeded parameter creation: every weight is drawn in plain JavaScript from one seedrandom stream in a fixed
 * order, then uploaded, so the same seed gives bit-identical weights on every backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";

/** Owns the named trainable variables of one model, in creation order. */
export class ParamStore {
  private readonly rng: seedrandom.PRNG;
  private readonly vars = new Map<string, tf.Variable>();

  constructor(seed: number) {
    this.rng = seedrandom(`vla-init-${seed}`);
  }

  /**
   * A [shape] variable from N(0, std²) truncated at ±2·std (the GPT-2 / ViT initialiser), drawn by
   * Box–Muller with resampling outside the band.
   */
  normal(name: string, shape: number[], std: number): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let z: number;
      do {
        const u1 = 1 - this.rng(); // in (0, 1]: log stays finite
        const u2 = this.rng();
        z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      } while (Math.abs(z) > 2);
      values[i] = z * std;
    }
    return this.add(name, tf.tensor(values, shape, "float32"));
  }

  /** A [shape] variable filled with `value` (0 for biases, 1 for layer-norm gains). */
  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, tf.fill(shape, value, "float32"));
  }

  private add(name: string, initial: tf.Tensor): tf.Variable {
    if (this.vars.has(name)) throw new Error(`Parameter '${name}' is defined twice.`);
    const v = tf.variable(initial, true);
    initial.dispose();
    this.vars.set(name, v);
    return v;
  }

  /** The variable called `name`. */
  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`No parameter named '${name}'.`);
    return v;
  }

  /** Names in creation order (the order checkpoints and optimizers use). */
  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Variables in creation order. */
  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
