/**
 * Registers the gradients of the tfjs kernels the VLA uses.
 *
 * tfjs-core alone registers no gradients (the `@tensorflow/tfjs` union package does it through
 * `register_all_gradients`, whose ES build cannot be imported by Node: it imports './gradients', which is
 * both a file and a folder there). So we import each gradient we need from its own file and register it on
 * the shared kernel registry. A kernel missing here shows up as "gradient function not found for X".
 */
import * as tf from "@tensorflow/tfjs-core";
import { addGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Add_grad.js";
import { addNGradConfig } from "@tensorflow/tfjs-core/dist/gradients/AddN_grad.js";
import { subGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Sub_grad.js";
import { multiplyGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Multiply_grad.js";
import { divGradConfig } from "@tensorflow/tfjs-core/dist/gradients/RealDiv_grad.js";
import { expGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Exp_grad.js";
import { logGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Log_grad.js";
import { maxGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Max_grad.js";
import { maximumGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Maximum_grad.js";
import { minimumGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Minimum_grad.js";
import { sumGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Sum_grad.js";
import { meanGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Mean_grad.js";
import { softmaxGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Softmax_grad.js";
import { reshapeGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Reshape_grad.js";
import { transposeGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Transpose_grad.js";
import { concatGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Concat_grad.js";
import { sliceGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Slice_grad.js";
import { sigmoidGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Sigmoid_grad.js";
import { tanhGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Tanh_grad.js";
import { sqrtGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Sqrt_grad.js";
import { rsqrtGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Rsqrt_grad.js";
import { squareGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Square_grad.js";
import { squaredDifferenceGradConfig } from "@tensorflow/tfjs-core/dist/gradients/SquaredDifference_grad.js";
import { negGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Neg_grad.js";
import { castGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Cast_grad.js";
import { tileGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Tile_grad.js";
import { broadcastToGradConfig } from "@tensorflow/tfjs-core/dist/gradients/BroadcastTo_grad.js";
import { packGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Pack_grad.js";
import { unpackGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Unpack_grad.js";
import { batchMatMulGradConfig } from "@tensorflow/tfjs-core/dist/gradients/BatchMatMul_grad.js";
import { oneHotGradConfig } from "@tensorflow/tfjs-core/dist/gradients/OneHot_grad.js";
import { identityGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Identity_grad.js";
import { clipByValueGradConfig } from "@tensorflow/tfjs-core/dist/gradients/ClipByValue_grad.js";
import { reluGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Relu_grad.js";
import { erfGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Erf_grad.js";
import { powGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Pow_grad.js";
import { minGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Min_grad.js";
import { selectGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Select_grad.js";
import { splitVGradConfig } from "@tensorflow/tfjs-core/dist/gradients/SplitV_grad.js";
import { reciprocalGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Reciprocal_grad.js";

const CONFIGS: tf.GradConfig[] = [
  addGradConfig,
  addNGradConfig,
  subGradConfig,
  multiplyGradConfig,
  divGradConfig,
  expGradConfig,
  logGradConfig,
  maxGradConfig,
  maximumGradConfig,
  minimumGradConfig,
  sumGradConfig,
  meanGradConfig,
  softmaxGradConfig,
  reshapeGradConfig,
  transposeGradConfig,
  concatGradConfig,
  sliceGradConfig,
  sigmoidGradConfig,
  tanhGradConfig,
  sqrtGradConfig,
  rsqrtGradConfig,
  squareGradConfig,
  squaredDifferenceGradConfig,
  negGradConfig,
  castGradConfig,
  tileGradConfig,
  broadcastToGradConfig,
  packGradConfig,
  unpackGradConfig,
  batchMatMulGradConfig,
  oneHotGradConfig,
  identityGradConfig,
  clipByValueGradConfig,
  reluGradConfig,
  erfGradConfig,
  powGradConfig,
  minGradConfig,
  selectGradConfig,
  splitVGradConfig,
  reciprocalGradConfig,
];

let registered = false;

/** Registers the gradients once per process (idempotent). */
export function registerGradients(): void {
  if (registered) return;
  for (const config of CONFIGS) tf.registerGradient(config);
  registered = true;
}

registerGradients();
