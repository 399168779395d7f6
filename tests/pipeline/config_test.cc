#include <doctest/doctest.h>

#include "pipeline/config.h"
#include "tests/support/testing.h"

using primer::pipeline::Config;
using primer::pipeline::ConfigError;
using primer::pipeline::parse_config;

namespace {
std::string error_of(const std::string& toml) {
  try {
    parse_config(toml, "run.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("a full config parses, defaults fill the rest") {
  const Config c = parse_config(R"(
seed = 7
count = 123
out = "somewhere"
[prompts]
kind = "tinystories"
feature_probability = 0.5
[teacher]
kind = "builtin"
noise = 0.25
[[filters]]
kind = "vocab"
max_oov_rate = 0.01
[[filters]]
kind = "exact_dedup"
[storage]
shard_records = 10
validation_fraction = 0.1
zstd_level = 5
)",
                                "run.toml");
  CHECK(c.seed == 7);
  CHECK(c.count == 123);
  CHECK(c.out == "somewhere");
  CHECK(c.prompts.feature_probability == 0.5);
  CHECK(c.teacher.noise == 0.25);
  REQUIRE(c.filters.size() == 2);
  CHECK(c.filters[0].kind == "vocab");
  CHECK(c.filters[1].kind == "exact_dedup");
  CHECK(c.storage.shard_records == 10);
  CHECK(c.storage.zstd_level == 5);
  CHECK(c.vocab_list == "vocab/default.txt");
  CHECK(c.hash.size() == 64);

  const Config d = parse_config("count = 5\n", "a.toml");
  CHECK(d.seed == 1);
  CHECK(d.prompts.template_path == "prompts/tinystories.txt");
  CHECK(d.filters.empty());
}

TEST_CASE("filters = [] is TOML for no filters") {
  const Config c = parse_config("count = 5\nfilters = []\n", "run.toml");
  CHECK(c.filters.empty());
  CHECK(error_of("count = 5\nfilters = [1]\n") == "run.toml:2: filters must be an array of tables ([[filters]])");
}

TEST_CASE("the config hash ignores 'out' and sees everything else") {
  const Config a = parse_config("count = 5\nout = \"x\"\n", "a.toml");
  const Config b = parse_config("out = \"y\"\ncount = 5\n", "b.toml");
  const Config c = parse_config("count = 6\nout = \"x\"\n", "a.toml");
  CHECK(a.hash == b.hash);
  CHECK(a.hash != c.hash);
}

TEST_CASE("unknown and mistyped keys name the key, the file and the line") {
  CHECK(error_of("count = 5\n[teacher]\nkind = \"builtin\"\nnosie = 0.1\n") ==
        "run.toml:4: unknown key 'teacher.nosie' (did you mean 'noise'?)");
  CHECK(error_of("cuont = 5\n") == "run.toml:1: unknown key 'cuont' (did you mean 'count'?)");
  CHECK(error_of("count = 5\n[storage]\nshard_records = \"many\"\n") ==
        "run.toml:3: storage.shard_records must be an integer");
  CHECK(error_of("count = -1\n") == "run.toml:1: count must be positive");
  CHECK(error_of("[teacher]\nnoise = 2\n") == "run.toml:2: teacher.noise must be between 0 and 1");
  CHECK(error_of("[teacher]\nkind = \"gpt\"\n").find("run.toml:2: teacher.kind 'gpt' is not supported") == 0);
  CHECK(error_of("teacher = 3\n") == "run.toml:1: teacher must be a table ([teacher])");
  CHECK(error_of("[wat]\nx = 1\n").find("run.toml:1: unknown key 'wat'") == 0);
  // Filter blocks: unknown kind, unknown key (with the block's own line), bad value.
  CHECK(error_of("[[filters]]\nkind = \"vocabb\"\n").find("run.toml:1: unknown filter kind 'vocabb'") == 0);
  CHECK(error_of("count = 1\n[[filters]]\nkind = \"vocab\"\n\n[[filters]]\nkind = \"length\"\nmin_wrods = 3\n") ==
        "run.toml:7: unknown key 'filters.min_wrods' (did you mean 'min_words'?)");
  CHECK(error_of("[[filters]]\nkind = \"vocab\"\nmax_oov_rate = 3\n") ==
        "run.toml:3: filters.max_oov_rate must be between 0 and 1");
  CHECK(error_of("[[filters]]\nmax_oov_rate = 0.1\n") == "run.toml:1: [[filters]] block without a kind");
  // TOML syntax errors keep toml++'s description, with our file:line.
  CHECK(error_of("count = \n").rfind("run.toml:1: ", 0) == 0);
}

TEST_CASE("missing config file") {
  CHECK_THROWS_WITH_AS(primer::pipeline::load_config("/nonexistent/run.toml"),
                       "cannot read config file /nonexistent/run.toml: no such file", ConfigError);
}

TEST_CASE("relative paths resolve against the working directory, the config's folder, the data dir") {
  primer::testing::TempDir dir;
  primer::testing::write_file(dir / "list.txt", "dog noun\n");
  const Config c = parse_config("count = 1\n", dir / "run.toml");
  CHECK(c.resolve("list.txt", "vocab.list") == dir / "list.txt");
  CHECK(std::filesystem::exists(c.resolve("vocab/default.txt", "vocab.list")));
  CHECK_THROWS_WITH_AS(c.resolve("nope.txt", "vocab.list"), doctest::Contains("vocab.list = \"nope.txt\" not found"),
                       ConfigError);
}

TEST_CASE("teacher = openai: keys, defaults, price lookup, operational keys outside the hash") {
  const Config c = parse_config(R"(
count = 10
[teacher]
kind = "openai"
model = "gpt-4o-mini-2024-07-18"
base_url = "http://127.0.0.1:9/v1"
endpoint = "completions"
max_tokens = 300
max_tokens_field = "max_completion_tokens"
temperature = 0.7
top_p = 0.9
stop = ["\n\n\n"]
stream = true
max_in_flight = 1024
rpm = 500
tpm = 200000
budget_usd = 12.5
max_reply_bytes = 4194304
extra_body = { top_k = 40, repetition_penalty = 1.1 }
)",
                                "run.toml");
  const auto& h = c.teacher.http;
  CHECK(c.teacher.kind == "openai");
  CHECK(h.base_url == "http://127.0.0.1:9/v1");
  CHECK(h.request.model == "gpt-4o-mini-2024-07-18");
  CHECK(h.request.endpoint == "completions");
  CHECK(h.request.max_tokens == 300);
  CHECK(h.request.max_tokens_field == "max_completion_tokens");
  CHECK(h.request.stop == std::vector<std::string>{"\n\n\n"});
  CHECK(h.request.stream);
  CHECK(h.max_in_flight == 1024);
  CHECK(h.rpm == 500);
  CHECK(c.teacher.budget_usd == 12.5);
  CHECK(h.max_reply_bytes == 4194304);
  CHECK(parse_config("[teacher]\nkind = \"openai\"\nmodel = \"m\"\n", "run.toml").teacher.http.max_reply_bytes ==
        size_t{16} << 20);
  REQUIRE(h.price);
  CHECK(h.price->input == 0.15);
  CHECK(h.request.extra_body.find("\"top_k\"") != std::string::npos);
  CHECK(h.request.extra_body.front() != '{');

  const Config moved = parse_config(
      "count = 10\n[teacher]\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://a/v1\"\nbudget_usd = 1\nmax_in_flight = 8\n"
      "max_reply_bytes = 1000\n",
      "a.toml");
  const Config same = parse_config(
      "count = 10\n[teacher]\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://b/v1\"\nbudget_usd = 5\n",
      "b.toml");
  const Config other = parse_config("count = 10\n[teacher]\nkind = \"openai\"\nmodel = \"m2\"\n", "c.toml");
  CHECK(moved.hash == same.hash);
  CHECK(moved.hash != other.hash);
  CHECK_FALSE(moved.teacher.http.price);  // unknown model: no price

  CHECK(error_of("[teacher]\nkind = \"openai\"\n") ==
        "run.toml:2: teacher.kind = \"openai\" needs a model (teacher.model)");
  CHECK(error_of("[teacher]\nkind = \"openai\"\nmodel = \"m\"\nprice_input = 1\n") ==
        "run.toml:4: teacher.price_input needs price_input and price_output together (USD per 1M tokens)");
  CHECK(error_of("[teacher]\nendpoint = \"chat/completions\"\n") ==
        "run.toml:2: teacher.endpoint must be \"chat\" or \"completions\"");
  CHECK(error_of("[teacher]\nn = 2\n").find("teacher.n must be 1") != std::string::npos);
  CHECK(error_of("[teacher]\nmax_reply_bytes = 0\n") == "run.toml:2: teacher.max_reply_bytes must be positive");
  for (const char* url : {"file:///etc/passwd", "htp://127.0.0.1:8000/v1", "127.0.0.1:8000/v1"})
    CHECK(error_of(std::string("[teacher]\nbase_url = \"") + url + "\"\n") ==
          "run.toml:2: teacher.base_url must start with http:// or https://");
  CHECK(parse_config("[teacher]\nbase_url = \"HTTPS://api.example.com/v1\"\n", "run.toml").teacher.http.base_url ==
        "HTTPS://api.example.com/v1");
}

TEST_CASE("storage sizes and the tokenizer stage") {
  const Config c = parse_config(
      "[storage]\nshard_records = 0\nshard_mb = 50\nzstd_workers = 2\n[tokenizer]\nvocab_size = 1024\nmodel_type = \"unigram\"\n",
      "run.toml");
  CHECK(c.storage.shard_records == 0);
  CHECK(c.storage.shard_mb == 50);
  CHECK(c.storage.zstd_workers == 2);
  CHECK(c.storage.shard_options().zstd_workers == 2);
  CHECK_FALSE(c.storage.compression_info().workers_auto);
  // Unset: chosen at run time, always > 0 (the same bytes on any machine), and said so.
  const Config d = parse_config("count = 1\n", "run.toml");
  CHECK(d.storage.shard_options().zstd_workers >= 1);
  CHECK(d.storage.compression_info().workers_auto);
  CHECK(parse_config("[storage]\nzstd_workers = 0\n", "run.toml").storage.shard_options().zstd_workers == 0);
  REQUIRE(c.tokenizer);
  CHECK(c.tokenizer->vocab_size == 1024);
  CHECK(c.tokenizer->model_type == "unigram");
  CHECK_FALSE(parse_config("count = 1\n", "run.toml").tokenizer);
  CHECK(error_of("[storage]\nshard_records = 0\n") ==
        "run.toml:2: storage.shard_records and shard_mb cannot both be 0: shards need a size");
  CHECK(error_of("[tokenizer]\nvocab_size = 70000\n").find("run.toml:1: [tokenizer] ") == 0);
  CHECK(error_of("[tokenizer]\nmodel_type = \"wordpiece\"\n").find("run.toml:1: [tokenizer] ") == 0);
}
