/** The step events of a full run (any effort but `none`), in order, as "step:status". */
export const FULL_RUN_STEP_EVENTS = [
  "think:started",
  "think:completed",
  "draft:started",
  "draft:completed",
  "reflect:started",
  "reflect:completed",
  "final:started",
  "final:completed",
];
