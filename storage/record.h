// The JSON line of one record: "text" first, then the metadata (README, "Dataset directory").
#pragma once

#include <string>

#include "base/doc.h"

namespace primer::storage {

// Appends the record's JSON (no trailing newline) to `out`. Returns the number of
// invalid UTF-8 sequences replaced by U+FFFD.
size_t append_record_json(std::string& out, const base::Doc& doc);

}  // namespace primer::storage
