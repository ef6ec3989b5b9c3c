/**
 * Messages between `generate.ts` and its demo worker threads (`demoWorker.ts`). A worker runs one expert
 * episode per request, in the order the requests arrive, and answers with the recorded episode: the
 * images of all steps packed into one buffer so that it moves to the main thread without a copy.
 */
import type { Candidate } from "./selection.ts";

export interface EpisodeRequest {
  type: "episode";
  id: number;
  suite: string;
  taskId: number;
  candidate: Candidate;
  /** the episode's sub-seed (selection.ts episodeSeed), which seeds the expert's style */
  seed: number;
  /** counted steps the episode may take to reach the goal; it ends as a failure at this many */
  maxSteps: number;
}

export interface EpisodeResponse {
  type: "episode";
  id: number;
  success: boolean;
  /** S, the counted steps the expert ran */
  steps: number;
  /** [S·128·128·3] agentview frames back to back; empty for a failed episode (it is never stored) */
  images: Uint8Array;
  /** [S·7] */
  actions: Float32Array;
  /** [S·9] */
  proprio: Float64Array;
}

export interface ErrorResponse {
  type: "error";
  id: number;
  message: string;
}

export type DemoWorkerResponse = EpisodeResponse | ErrorResponse;
