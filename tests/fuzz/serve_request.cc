// A `primer serve` request body, for /v1/chat/completions and /v1/completions:
// model::request_prompt. A bad body is an HttpError (the 400 or 404 the client gets).
#include "model/http_server.h"
#include "model/serve.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (bool chat : {true, false}) {
    try {
      (void)primer::model::request_prompt(primer::fuzz::as_text(data, size), chat, "primer-tiny");
    } catch (const primer::model::HttpError& e) {
      primer::fuzz::require(e.status == 400 || e.status == 404, "a bad body is a 400 or a 404");
    }
  }
  return 0;
}
