// primer sample CHECKPOINT --prompt TEXT [--temperature T] [--top-p P] [--top-k K] [--seed S] [--max-tokens N]
// primer export CHECKPOINT --format llama2c|gguf --out FILE [--dtype f32|f16|bf16|q8_0]
#include <pthread.h>
#include <signal.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "base/json.h"
#include "model/export.h"
#include "model/export_hf.h"
#include "model/inference.h"
#include "model/serve.h"
#include "pipeline/commands.h"

namespace primer::cli {
namespace {

// CLI::Range lets NaN through (every comparison with it is false): refuse it, and
// infinities, before the range check.
const CLI::Validator kFinite(
    [](std::string& text) -> std::string {
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (end != text.c_str() && !std::isfinite(v)) return "'" + text + "' is not a finite number";
      return {};
    },
    "FINITE");

struct SampleArgs {
  std::string checkpoint, prompt;
  float temperature = 1.0f, top_p = 1.0f;
  int top_k = 0, max_tokens = 200;
  uint64_t seed = 1;
  bool quiet = false, json = false;
};

int sample_command(const SampleArgs& a) {
  const model::LoadedModel m = model::load_model(a.checkpoint);
  if (!m.tokenizer)
    throw UsageError(m.path.string() +
                     " carries no tokenizer (tokenizer.model); sample a checkpoint of a run whose "
                     "dataset had one, or put tokenizer.model beside the file");
  const model::Tokenizer& tok = *m.tokenizer;
  const model::InferenceModel im = model::inference_model(m);
  model::GenerateRequest req;
  req.prompt = {tok.bos_id()};
  tok.encode(a.prompt, req.prompt);
  req.max_tokens = a.max_tokens;
  req.sampling = {a.temperature, a.top_p, a.top_k, a.seed};
  req.stop_tokens = {tok.bos_id(), tok.eos_id()};
  req.vocab_limit = tok.vocab_size();  // never an id the tokenizer cannot decode
  std::vector<int> out;
  std::string printed;
  if (!a.json) std::fputs(a.prompt.c_str(), stdout);
  const model::GenerateResult r = model::generate(im, req, [&](int t) {
    out.push_back(t);
    if (a.json) return true;
    const std::string text = tok.decode_continuation(req.prompt, out);
    // print what is new; a multi-byte character may complete only with a later token
    if (text.size() > printed.size() && text.compare(0, printed.size(), printed) == 0) {
      std::fputs(text.c_str() + printed.size(), stdout);
      std::fflush(stdout);
      printed = text;
    }
    return true;
  });
  const double tps = r.decode_seconds > 0 ? static_cast<double>(r.tokens.size()) / r.decode_seconds : 0.0;
  if (a.json) {
    base::JsonWriter w;
    w.begin_object().key("prompt_tokens").begin_array();
    for (int t : req.prompt) w.value(t);
    w.end_array().key("tokens").begin_array();
    for (int t : r.tokens) w.value(t);
    w.end_array()
        .field("text", tok.decode_continuation(req.prompt, r.tokens))
        .field("finish_reason", r.finish_reason)
        .field("mean_logprob", r.tokens.empty() ? 0.0 : r.sum_logprob / static_cast<double>(r.tokens.size()))
        .field("tokens_per_s", tps)
        .field("weights", std::string(model::kernels::weight_type_name(im.weight_type())))
        .field("weight_bytes_per_token", static_cast<uint64_t>(im.bytes_per_token()))
        .field("kernels", std::string(model::kernels::quant_path_name(model::kernels::quant_path())))
        .end_object();
    std::printf("%s\n", w.str().c_str());
    return 0;
  }
  std::fputs("\n", stdout);
  if (!a.quiet)
    std::fprintf(stderr, "[%d prompt + %zu generated tokens, %s; %.1f tokens/s (%s %s, %s kernels, %s)]\n",
                 r.prompt_tokens, r.tokens.size(), r.finish_reason.c_str(), tps, m.source.c_str(),
                 std::string(model::kernels::weight_type_name(im.weight_type())).c_str(),
                 std::string(model::kernels::quant_path_name(model::kernels::quant_path())).c_str(),
                 a.temperature <= 0 ? "greedy" : "sampled");
  return 0;
}

struct ExportArgs {
  std::string checkpoint, format, out, dtype = "f32";
};

int export_command(const ExportArgs& a) {
  const model::LoadedModel m = model::load_model(a.checkpoint);
  const std::filesystem::path out(a.out);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  if (a.format == "llama2c") {
    if (a.dtype != "f32") throw UsageError("llama2c export is float32 only (run.c's legacy format)");
    model::export_llama2c(m, a.out);
    std::printf("wrote %s (llama2.c run.c format)%s\n", a.out.c_str(),
                m.tokenizer ? " and tokenizer.bin beside it" : "; no tokenizer.bin (the checkpoint has no tokenizer)");
  } else if (a.format == "hf") {
    if (a.dtype == "q8_0") throw UsageError("--format hf takes --dtype f32, f16 or bf16; q8_0 is for gguf");
    const auto dtype = a.dtype == "f16"    ? model::HfDtype::kF16
                       : a.dtype == "bf16" ? model::HfDtype::kBF16
                                           : model::HfDtype::kF32;
    model::export_hf(m, a.out, dtype);
    std::printf("wrote %s/ (transformers LlamaForCausalLM, %s: config.json, model.safetensors, tokenizer)\n",
                a.out.c_str(), a.dtype.c_str());
  } else {
    model::export_gguf(m, a.out, *model::kernels::parse_weight_type(a.dtype));
    std::printf("wrote %s (GGUF v3, llama, %s)\n", a.out.c_str(), a.dtype.c_str());
  }
  return 0;
}

struct ServeArgs {
  std::string checkpoint;
  model::ServeOptions options;
  double escalate_below = 0;
};

int serve_command(ServeArgs a) {
  if (!a.options.escalate_to.empty()) a.options.escalate_below = a.escalate_below;
  model::Server server(model::load_model(a.checkpoint), a.options);
  const int port = server.bind();
  // SIGINT/SIGTERM: a waiting thread stops the server (stop() is not signal-safe).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    server.stop();
  });
  std::printf(
      "primer serve: model '%s' on http://%s:%d/v1 (/v1/completions, /v1/chat/completions, /v1/models, "
      "/health, /metrics)%s\n",
      server.model_name().c_str(), a.options.host.c_str(), port,
      a.options.escalate_to.empty()
          ? ""
          : fmt::format("; escalating to {} below mean log-prob {}", a.options.escalate_to, a.escalate_below).c_str());
  std::fflush(stdout);
  server.listen();
  pthread_kill(waiter.native_handle(), SIGTERM);  // if listen ended on its own
  waiter.join();
  return 0;
}

}  // namespace

void add_model_commands(Commands& commands) {
  auto s = std::make_shared<SampleArgs>();
  CLI::App* sample = commands.add("sample", "Generate text with a trained model (KV cache; greedy at temperature 0).",
                                  [s] { return sample_command(*s); });
  sample->footer(
      "CHECKPOINT: a checkpoint directory, a training directory (its newest checkpoint), a transformers "
      "export directory (primer export --format hf), a .gguf or a llama2.c .bin file (with tokenizer.model beside it). Generation stops at a new document (BOS/EOS), "
      "at --max-tokens or at the model's context.");
  sample
      ->add_option("checkpoint", s->checkpoint,
                   "Checkpoint, training directory or exported model (a GGUF decodes in its own format: f32, f16, "
                   "bf16 or q8_0)")
      ->required()
      ->check(existing_path());
  sample->add_option("--prompt", s->prompt, "The beginning of the text")->required();
  sample->add_option("--temperature", s->temperature, "0: greedy (default 1)")->check(kFinite)->check(between(0, 100));
  sample
      ->add_option("--top-p", s->top_p,
                   "Nucleus sampling: keep the most likely tokens up to this probability (default 1)")
      ->check(kFinite)
      ->check(between(0, 1));
  sample->add_option("--top-k", s->top_k, "Keep the K most likely tokens (default 0: all)")->check(at_least(0));
  sample->add_option("--seed", s->seed, "Sampling seed (default 1)");
  sample->add_option("--max-tokens", s->max_tokens, "Most tokens to generate (default 200)")->check(at_least(1));
  sample->add_flag("-q,--quiet", s->quiet, "No statistics line on stderr");
  sample->add_flag("--json", s->json,
                   "One JSON object: prompt_tokens, tokens, text, finish_reason, mean_logprob, tokens_per_s");

  auto e = std::make_shared<ExportArgs>();
  CLI::App* exp = commands.add(
      "export", "Export a trained model to llama2.c's run.c format, GGUF (llama.cpp) or Hugging Face transformers.",
      [e] { return export_command(*e); });
  exp->footer(
      "llama2c writes FILE plus tokenizer.bin beside it (run.c: ./run FILE -z tokenizer.bin). gguf embeds the "
      "tokenizer; llama.cpp and `primer sample FILE` load it. hf writes a directory (config.json, model.safetensors, "
      "tokenizer.model + tokenizer_config.json, generation_config.json) that "
      "LlamaForCausalLM.from_pretrained and `primer sample DIR` load; q/k rows are permuted for rotate_half "
      "RoPE.");
  exp->add_option("checkpoint", e->checkpoint, "Checkpoint or training directory")->required()->check(existing_path());
  exp->add_option("--format", e->format, "llama2c, gguf or hf (Hugging Face transformers directory)")
      ->required()
      ->check(CLI::IsMember({"llama2c", "gguf", "hf"}));
  exp->add_option("--out", e->out, "Output file (hf: directory)")->required();
  exp->add_option("--dtype", e->dtype,
                  "gguf: the matrices as f32 (default), f16, bf16 or q8_0 (llama.cpp's Q8_0: blocks of 32 int8 "
                  "with one fp16 scale; dim and hidden_dim multiples of 32); norms stay f32. hf: f32, f16 or bf16 "
                  "(every tensor)")
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0"}));

  auto v = std::make_shared<ServeArgs>();
  CLI::App* serve = commands.add("serve", "Serve a trained model over an OpenAI-compatible HTTP API.",
                                 [v] { return serve_command(*v); });
  serve->footer(
      "Endpoints: POST /v1/completions and /v1/chat/completions (streaming and not), GET /v1/models, "
      "/health, /metrics. Binds 127.0.0.1 unless --host says otherwise. With --escalate-to, requests whose "
      "mean token log-probability falls below --escalate-below go to the bigger model (API key from "
      "--api-key-env); responses say which model answered (x-primer-route, \"primer_route\").");
  serve->add_option("checkpoint", v->checkpoint, "Checkpoint, training directory, .gguf or llama2.c .bin")
      ->required()
      ->check(existing_path());
  serve->add_option("--port", v->options.port, "Port (default 8000; 0: any free port)")->check(between(0, 65535));
  serve->add_option("--host", v->options.host, "Address to bind (default 127.0.0.1)");
  serve->add_option("--model-name", v->options.model_name,
                    "Name in /v1/models and responses (default: the checkpoint's)");
  serve->add_option("--threads", v->options.http_threads, "Requests generating at once (default 8)")
      ->check(between(1, 4096));
  serve
      ->add_option("--max-queued", v->options.max_queued,
                   "Requests waiting for a turn; beyond, 503 with Retry-After (default 64)")
      ->check(between(0, 1 << 20));
  serve
      ->add_option("--max-connections", v->options.max_connections,
                   "Open connections, one thread each; beyond, 503 with Retry-After (default 256)")
      ->check(between(1, 1 << 16));
  serve->add_option("--max-body-bytes", v->options.max_body_bytes, "Largest request body; beyond, 413 (default 1 MiB)")
      ->check(between(1, double(uint64_t{1} << 32)));
  serve
      ->add_option("--request-timeout", v->options.request_timeout_s,
                   "Seconds for a whole request to arrive, headers and body (default 10)")
      ->check(between(0.1, 3600));
  auto* to = serve->add_option("--escalate-to", v->options.escalate_to, "Base URL of a bigger OpenAI-compatible model");
  serve->add_option("--escalate-below", v->escalate_below, "Escalate when the mean token log-probability is below this")
      ->check(kFinite)
      ->needs(to);
  serve->add_option("--escalate-model", v->options.escalate_model, "Model name sent to the bigger server");
  serve->add_option("--api-key-env", v->options.api_key_env,
                    "Environment variable with its API key (default OPENAI_API_KEY)");
}

}  // namespace primer::cli
