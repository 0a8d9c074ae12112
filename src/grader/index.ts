// The grader's API (re-exports only): what the command line, the class grading and the grading
// platforms' bundles call.
export { checkExercise, formatSeeds, formatVerdicts, DEFAULT_SEED_COUNT, type CaseResult, type ExerciseOptions, type ExerciseResult, type Variant } from "./check";
export { findSubmissions, gradeClass, gradeOf, shardOf, type ClassOptions, type ClassResult, type Submission } from "./class-grading";
export { CSV_COLUMNS, gradesCsv, reportHtml, writeClassReport, type Grade } from "./grade-report";
export { REQUIREMENTS, combineCases, judgeExercise, type Verdict } from "./exercise-requirements";
export type { LineArrival, RunLines } from "./lines";
export { detectProtocol, loadPair, type Protocol } from "./exercise-pair";
export { CheckGuard, closeGuardOnSignals } from "./check-guard";
export { CheckInterruptedError, SubmissionError } from "./check-errors";
export { parseArgs, usage, type CliOptions } from "./cli-args";
