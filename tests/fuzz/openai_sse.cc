// A streamed reply (server-sent events), as chat and as completions. The parser takes
// bytes in any splitting: the result must not depend on it (whole vs 1-byte vs 7-byte
// pieces), and nothing may throw.
#include "generators/openai_protocol.h"
#include "tests/fuzz/fuzz.h"

using namespace primer::generators;

namespace {

ParsedReply parse_in_pieces(std::string_view bytes, bool chat, size_t piece) {
  SseParser p(chat);
  for (size_t at = 0; at < bytes.size(); at += piece) p.feed(bytes.substr(at, piece));
  return p.finish();
}

bool same(const ParsedReply& a, const ParsedReply& b) {
  return a.ok == b.ok && a.error == b.error && a.reply.text == b.reply.text &&
         a.reply.finish_reason == b.reply.finish_reason && a.reply.usage.prompt_tokens == b.reply.usage.prompt_tokens &&
         a.reply.usage.completion_tokens == b.reply.usage.completion_tokens;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = primer::fuzz::as_text(data, size);
  for (bool chat : {true, false}) {
    const ParsedReply whole = parse_in_pieces(bytes, chat, bytes.size() + 1);
    primer::fuzz::require(whole.ok || !whole.error.empty(), "a refused stream says why");
    primer::fuzz::require(same(whole, parse_in_pieces(bytes, chat, 1)), "1-byte pieces give the same reply");
    primer::fuzz::require(same(whole, parse_in_pieces(bytes, chat, 7)), "7-byte pieces give the same reply");
  }
  return 0;
}
