// Internal to `primer report` (pipeline/report.cc): the HTML of the page. Its furniture
// (the style sheet, the search script and the Content-Security-Policy that admits only
// those two), the pieces the sections share, and the dataset sections: funnel,
// distributions, out-of-vocabulary words, samples, manifest and verify status.
//
// Each section is a <section id="..."> that the page's navigation links to; the OOV and
// samples sections are an empty string when there is nothing to show.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/report.h"
#include "pipeline/report_scan.h"
#include "storage/inspect.h"
#include "storage/manifest.h"
#include "vocab/vocabulary.h"

namespace primer::pipeline::report {

constexpr double kHalf = 480;  // SVG width of a chart in half a column (.grid2)

// One figure in the cards row; `key` lets a test find it (data-card="...").
std::string card(const std::string& label, const std::string& value, const std::string& key = "");

// `from_journal`: the manifest holds the counts of an unfinished run's last checkpoint.
std::string funnel_section(const std::optional<storage::Manifest>& manifest, bool from_journal);
// `vocab`: the vocabulary of the OOV figures, `vocab_name` as the page names it (none: no OOV figures).
std::string distributions_section(const DatasetScan& s, const std::optional<vocab::Vocabulary>& vocab,
                                  const std::string& vocab_name);
std::string oov_section(const DatasetScan& scan, const std::optional<vocab::Vocabulary>& vocab, size_t top_oov);
// Takes the sample rows out of `scan`.
std::string samples_section(DatasetScan& scan);
std::string manifest_section(const std::optional<storage::InspectReport>& inspect,
                             const std::optional<storage::Manifest>& manifest, bool from_journal);

// The page around `body` (the sections): head, header with the navigation to the
// sections there are, summary.problems, the notes, the search script.
std::string assemble_page(const std::filesystem::path& dir, const ReportSummary& summary,
                          const std::vector<std::string>& notes, const std::string& body);

}  // namespace primer::pipeline::report
