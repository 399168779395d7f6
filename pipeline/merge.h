// Split runs: which task a process is, and `primer merge OUT`, which joins the tasks.
//
//   primer run CONFIG --task K/N --out OUT   # task K of N → OUT/tasks/K/ (resumable)
//   primer merge OUT                         # OUT/data/, manifest.json, README.md
//
// A task writes the outcome of every prompt of its slice (pipeline/outcomes.h) and the
// records that no order-independent filter dropped. The merge checks that every task is
// complete and ran the same config, then replays all outcomes in prompt order through
// the ordered filters (exact and near-duplicate removal, decontamination) with the run
// pipeline itself: its shards, manifest and card equal those of a single-machine run of
// the config (same ids, texts, counts and shard files), and an interrupted merge resumes
// from its journal like a run. OUT/tasks/ may be deleted after the merge.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/run.h"

namespace primer::pipeline {

// "K/N" (0 <= K < N). Throws std::invalid_argument with a message for the user.
TaskSlice parse_task(std::string_view text);

// The task a scheduler gave this process, or nullopt when none did:
//   - Slurm array jobs: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT; the rank is
//     (TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP (MIN 0 and STEP 1 when
//     unset), so `--array=0-7`, `--array=1-8` and `--array=0-14:2` all give tasks 0..7.
//   - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX; the number of tasks comes from the
//     config's `tasks` (the Job's `completions`).
// `config_tasks` (0: unset) must agree with the scheduler's count. `getenv` reads one
// variable (nullptr when unset). Throws std::invalid_argument on inconsistent values.
std::optional<TaskSlice> task_from_environment(const std::function<const char*(const char*)>& getenv,
                                               uint32_t config_tasks);

struct MergeOptions {
  std::filesystem::path out;     // the run's directory, holding tasks/0 ... tasks/N-1
  std::filesystem::path config;  // empty: the config the tasks ran (recorded in task.json)
  bool progress = true;
};

// Throws RunError naming every missing or incomplete task ("task 2 of 4 is missing ..."),
// a task of another config or split, or inconsistent task files; ConfigError for a bad
// config. The report is that of pipeline::run (already_complete when merged before).
RunReport merge(const MergeOptions& options);

}  // namespace primer::pipeline
