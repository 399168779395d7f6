#include "pipeline/reply_journal.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>

#include "base/json.h"
#include "storage/files.h"

namespace primer::pipeline {
namespace fs = std::filesystem;

uint64_t request_hash(std::string_view body) { return XXH3_64bits(body.data(), body.size()); }

namespace {

void append_number(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_line(std::string& out, uint64_t index, uint64_t id, uint64_t hash, const base::Reply& r) {
  out.reserve(out.size() + r.text.size() + r.finish_reason.size() + 160);
  out += "{\"index\":";
  append_number(out, index);
  out += ",\"id\":\"";
  out += base::hex64(id);
  out += "\",\"request\":\"";
  out += base::hex64(hash);
  out += "\",\"text\":";
  base::append_json_string(out, r.text);
  out += ",\"finish_reason\":";
  base::append_json_string(out, r.finish_reason);
  out += ",\"prompt_tokens\":";
  append_number(out, r.usage.prompt_tokens);
  out += ",\"completion_tokens\":";
  append_number(out, r.usage.completion_tokens);
  out += "}\n";
}

}  // namespace

void ReplyJournal::parse_segment(std::string_view content, uint64_t from, std::map<uint64_t, JournaledReply>& into,
                                 uint64_t& torn) {
  simdjson::dom::parser parser;
  size_t pos = 0;
  while (pos < content.size()) {
    const size_t eol = content.find('\n', pos);
    if (eol == std::string_view::npos) {  // torn last line: never fsynced completely
      ++torn;
      break;
    }
    const std::string_view line = content.substr(pos, eol - pos);
    pos = eol + 1;
    simdjson::dom::element e;
    uint64_t index = 0, hash = 0, pt = 0, ct = 0;
    std::string_view request, text, finish;
    if (parser.parse(line.data(), line.size()).get(e) || e["index"].get(index) || e["request"].get(request) ||
        e["text"].get(text) || e["finish_reason"].get(finish) || e["prompt_tokens"].get(pt) ||
        e["completion_tokens"].get(ct) || !base::parse_hex64(request, hash)) {
      ++torn;
      continue;
    }
    if (index < from) continue;
    JournaledReply j;
    j.request_hash = hash;
    j.reply.text = std::string(text);
    j.reply.finish_reason = std::string(finish);
    j.reply.usage.prompt_tokens = static_cast<uint32_t>(pt);
    j.reply.usage.completion_tokens = static_cast<uint32_t>(ct);
    into.emplace(index, std::move(j));
  }
}

std::string ReplyJournal::format_segment(const std::map<uint64_t, JournaledReply>& replies) {
  std::string all;
  // The id is not needed to resume (it derives from the index); keep the field for readers.
  for (const auto& [index, j] : replies) append_line(all, index, 0, j.request_hash, j.reply);
  return all;
}

ReplyJournal::ReplyJournal(fs::path dir, uint64_t from) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  storage::remove_stale_temporaries(dir_);
  std::map<uint64_t, fs::path> segments;
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string name = e.path().filename().string();
    uint64_t n = 0;
    if (name.size() == 11 && name.ends_with(".jsonl") &&
        std::from_chars(name.data(), name.data() + 5, n) == std::from_chars_result{name.data() + 5, std::errc()})
      segments[n] = e.path();
  }
  for (const auto& [n, path] : segments) {
    segment_ = std::max(segment_, n + 1);
    parse_segment(storage::read_file(path), from, loaded_, torn_);
  }
  // Compact what is still needed into one segment, then drop the old ones.
  if (!loaded_.empty()) {
    const uint64_t compacted = segment_++;
    storage::write_file_atomic(dir_ / fmt::format("{:05d}.jsonl", compacted), format_segment(loaded_));
    closed_[compacted] = loaded_.rbegin()->first;
  }
  for (const auto& [n, path] : segments) fs::remove(path);
  open_segment();
}

ReplyJournal::~ReplyJournal() {
  try {
    flush();
  } catch (...) {
  }
  if (fd_ >= 0) ::close(fd_);
}

void ReplyJournal::open_segment() {
  const fs::path path = dir_ / fmt::format("{:05d}.jsonl", segment_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw storage::StorageError("cannot create " + path.string() + ": " + std::strerror(errno));
  segment_max_ = 0;
  segment_empty_ = true;
}

void ReplyJournal::append(uint64_t index, uint64_t id, uint64_t hash, const base::Reply& reply) {
  append_line(buffer_, index, id, hash, reply);
  segment_max_ = std::max(segment_max_, index);
  segment_empty_ = false;
}

void ReplyJournal::flush() {
  if (buffer_.empty()) return;
  storage::write_all(fd_, buffer_, dir_ / fmt::format("{:05d}.jsonl", segment_));
  if (::fdatasync(fd_) != 0)
    throw storage::StorageError("cannot sync the reply journal in " + dir_.string() + ": " + std::strerror(errno));
  buffer_.clear();
}

void ReplyJournal::retire_below(uint64_t index) {
  flush();
  if (!segment_empty_) {
    ::close(fd_);
    closed_[segment_] = segment_max_;
    ++segment_;
    open_segment();
  }
  for (auto it = closed_.begin(); it != closed_.end();) {
    if (it->second < index) {
      fs::remove(dir_ / fmt::format("{:05d}.jsonl", it->first));
      it = closed_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace primer::pipeline
