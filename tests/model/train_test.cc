// The trainer: a tiny model memorises a batch; runs are bit-identical across repeats,
// thread counts and rank counts (threads standing in for MPI ranks); a run interrupted (SIGINT) or killed (SIGKILL) and
// resumed gives the same losses as one that was not; bad inputs get clear errors.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <barrier>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>

#include <simdjson.h>

#include "base/rng.h"
#include "model/checkpoint.h"
#include "model/distributed.h"
#include "model/kernels/adamw.h"
#include "model/train.h"
#include "model/transformer.h"
#include "storage/files.h"
#include "storage/sha256.h"
#include "storage/tokens.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::TempDir;

namespace {

model::ModelConfig small_config() {
  model::ModelConfig c;
  c.dim = 32, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.hidden_dim = 48, c.vocab_size = 61, c.seq_len = 16;
  return c;
}

// Token shards of "documents" that follow simple rules (so there is something to learn).
void write_token_data(const fs::path& dir, uint64_t documents) {
  fs::create_directories(dir / "tokens");
  for (const char* split : {"train", "validation"}) {
    storage::TokenShardWriter w(dir / "tokens" / (std::string(split) + "-00000.bin"));
    base::Rng rng(split[0], "docs");
    for (uint64_t d = 0; d < (split[0] == 't' ? documents : documents / 8 + 2); ++d) {
      std::vector<uint16_t> doc = {1};
      uint16_t tok = static_cast<uint16_t>(2 + rng.below(50));
      for (int i = 0; i < 40; ++i) {
        doc.push_back(tok);
        tok = static_cast<uint16_t>(2 + (tok * 7 + 3) % 59);  // a deterministic successor
      }
      w.append_document(doc);
    }
    w.finish();
  }
}

std::string train_toml(const fs::path& data, int steps, int checkpoint_every = 10) {
  return "[model]\ndim = 32\nn_layers = 2\nn_heads = 4\nn_kv_heads = 2\nhidden_dim = 48\nvocab_size = 61\n"
         "seq_len = 16\n[train]\ndata = \"" +
         data.string() + "\"\nbatch_size = 4\nsteps = " + std::to_string(steps) +
         "\nlr = 3e-3\nwarmup = 5\neval_every = 10\neval_batches = 2\ncheckpoint_every = " +
         std::to_string(checkpoint_every) + "\nkeep_checkpoints = 0\nlog_every = 0\nseed = 7\n";
}

// (step, loss, val_loss or -1) of every metrics.jsonl row.
std::vector<std::tuple<int64_t, double, double>> read_metrics(const fs::path& dir) {
  std::vector<std::tuple<int64_t, double, double>> rows;
  std::ifstream in(dir / "metrics.jsonl");
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    simdjson::padded_string p(line);
    simdjson::dom::element e;
    REQUIRE(!parser.parse(p).get(e));
    int64_t step = 0;
    double loss = 0, val = -1;
    REQUIRE(!e["step"].get_int64().get(step));
    REQUIRE(!e["loss"].get_double().get(loss));
    if (e["val_loss"].get_double().get(val)) val = -1;
    rows.emplace_back(step, loss, val);
  }
  return rows;
}

using testing::run_primer;

}  // namespace

TEST_CASE("a tiny model memorises one batch (loss < 0.05)") {
  model::Transformer m(small_config());
  m.init_random(3);
  const int B = 4, T = 16;
  std::vector<int32_t> in(B * T), tgt(B * T);
  base::Rng rng(5, "batch");
  for (int i = 0; i < B * T; ++i)
    in[i] = static_cast<int32_t>(rng.below(61)), tgt[i] = static_cast<int32_t>(rng.below(61));
  std::vector<float> mo(m.parameters().size()), vo(mo.size());
  float loss = 0, first = 0;
  for (int step = 1; step <= 300; ++step) {
    m.zero_grad();
    loss = m.forward(in.data(), tgt.data(), B, T, 1.0f / (B * T));
    if (step == 1) first = loss;
    m.backward();
    model::kernels::AdamW opt;
    opt.lr = 1e-2f, opt.step = step;
    model::kernels::adamw_update<float>(m.parameters().data(), m.gradients().data(), mo.data(), vo.data(),
                                        static_cast<int64_t>(mo.size()), opt);
  }
  MESSAGE("memorisation: loss " << first << " -> " << loss);
  CHECK(first > 3.5f);  // about log(61) at the start
  CHECK(loss < 0.05f);
}

TEST_CASE("the learning rate warms up linearly, then follows a cosine to min_lr") {
  model::TrainOptions o;
  o.lr = 1e-3, o.warmup = 10, o.steps = 110, o.min_lr = 1e-4;
  CHECK(model::learning_rate(o, 0) == doctest::Approx(1e-4));
  CHECK(model::learning_rate(o, 9) == doctest::Approx(1e-3));
  CHECK(model::learning_rate(o, 60) == doctest::Approx(5.5e-4));
  CHECK(model::learning_rate(o, 110) == doctest::Approx(1e-4));
}

TEST_CASE("primer train: loss falls, runs repeat bit for bit on 1 and 2 threads") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 200);
  testing::write_file(tmp / "t.toml", train_toml(tmp.path() / "data", 40));
  const auto a = run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "a").string(), "--threads", "2"});
  REQUIRE_MESSAGE(a.exit_code == 0, a.err);
  const auto b = run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "b").string(), "--threads", "1"});
  REQUIRE_MESSAGE(b.exit_code == 0, b.err);
  const auto ma = read_metrics(tmp / "a"), mb = read_metrics(tmp / "b");
  REQUIRE(ma.size() == 40);
  CHECK(ma == mb);
  // validation rows every 10 steps, and the validation loss falls
  CHECK(std::get<2>(ma[9]) > 0);
  CHECK(std::get<2>(ma[39]) < std::get<2>(ma[9]) - 0.5);
  CHECK(std::get<1>(ma[39]) < std::get<1>(ma[0]) - 1.0);
  CHECK(fs::exists(tmp / "a" / "loss.svg"));
  CHECK(testing::read_file(tmp / "a" / "loss.svg").find("<polyline") != std::string::npos);
  // checkpoints every 10 steps, each complete
  CHECK(model::list_checkpoints(tmp / "a").size() == 4);
  const model::Checkpoint ck = model::load_checkpoint(tmp / "a", true);
  CHECK(ck.dir.filename() == "step-00000040");
  CHECK(ck.optim.size() == 2 * ck.weights.size());
  CHECK(ck.state_json.find("\"step\": 40") != std::string::npos);
  // A second run into the same directory without --resume is refused.
  const auto again = run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "a").string()});
  CHECK(again.exit_code != 0);
  CHECK(again.err.find("--resume") != std::string::npos);
}

TEST_CASE("primer train: interrupted (SIGINT) or killed (SIGKILL) and resumed, the losses equal an uninterrupted run") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 200);
  testing::write_file(tmp / "t.toml", train_toml(tmp.path() / "data", 300, 5));
  const std::string cfg = (tmp / "t.toml").string();
  REQUIRE(run_primer({"train", cfg, "--out", (tmp / "ref").string(), "--threads", "2"}).exit_code == 0);
  const auto reference = read_metrics(tmp / "ref");

  for (int sig : {SIGINT, SIGKILL}) {
    const fs::path out = tmp / (sig == SIGINT ? "int" : "kill");
    const int pid = testing::spawn({testing::primer_binary(), "train", cfg, "--out", out.string(), "--threads", "2"});
    // wait until a few steps are done, then stop it
    for (int i = 0; i < 2000 && read_metrics(out).size() < 12; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    int code = 0;
    REQUIRE_FALSE(testing::has_exited(pid, code));
    ::kill(pid, sig);
    code = testing::wait_for(pid);
    CHECK(code == (sig == SIGINT ? 130 : 128 + SIGKILL));
    const auto partial = read_metrics(out);
    REQUIRE(partial.size() < reference.size());
    const auto resumed = run_primer({"train", cfg, "--out", out.string(), "--resume", "--threads", "2"});
    REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.err);
    CHECK(resumed.out.find("resuming") != std::string::npos);
    CHECK(read_metrics(out) == reference);
  }
}

TEST_CASE("primer train: clear errors for a config typo, missing tokens and a changed config on resume") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 50);
  testing::write_file(tmp / "typo.toml", train_toml(tmp.path() / "data", 5) + "lr_warmup = 3\n");
  auto r = run_primer({"train", (tmp / "typo.toml").string(), "--out", (tmp / "x").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown key 'train.lr_warmup'") != std::string::npos);

  testing::write_file(tmp / "nodata.toml", train_toml(tmp.path() / "nowhere", 5));
  r = run_primer({"train", (tmp / "nodata.toml").string(), "--out", (tmp / "y").string()});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("tokens/train-*.bin") != std::string::npos);

  std::string big_vocab = train_toml(tmp.path() / "data", 5);
  big_vocab.replace(big_vocab.find("vocab_size = 61"), 15, "vocab_size = 40");
  testing::write_file(tmp / "vocab.toml", big_vocab);
  r = run_primer({"train", (tmp / "vocab.toml").string(), "--out", (tmp / "z").string()});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("vocab_size") != std::string::npos);

  testing::write_file(tmp / "t.toml", train_toml(tmp.path() / "data", 5));
  REQUIRE(run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string()}).exit_code == 0);
  std::string changed = train_toml(tmp.path() / "data", 5);
  changed.replace(changed.find("lr = 3e-3"), 9, "lr = 1e-3");
  testing::write_file(tmp / "changed.toml", changed);
  r = run_primer({"train", (tmp / "changed.toml").string(), "--out", (tmp / "run").string(), "--resume"});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("config changed") != std::string::npos);
}

TEST_CASE("--init starts from trained weights; a damaged checkpoint is named") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 100);
  testing::write_file(tmp / "t.toml", train_toml(tmp.path() / "data", 20));
  REQUIRE(run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "base").string()}).exit_code == 0);
  const auto base = read_metrics(tmp / "base");
  const auto ft = run_primer(
      {"train", (tmp / "t.toml").string(), "--out", (tmp / "ft").string(), "--init", (tmp / "base").string()});
  REQUIRE_MESSAGE(ft.exit_code == 0, ft.err);
  // the fine-tuning run starts where the base run ended, far below a fresh start
  const double first_ft = std::get<1>(read_metrics(tmp / "ft")[0]);
  CHECK(first_ft < std::get<1>(base[0]) - 0.5);
  CHECK(std::abs(first_ft - std::get<1>(base.back())) < 0.3);

  const fs::path bin = model::resolve_checkpoint(tmp / "base") / "model.bin";
  fs::resize_file(bin, fs::file_size(bin) - 8);
  CHECK_THROWS_WITH_AS(model::load_checkpoint(tmp / "base", false), doctest::Contains("truncated"), model::ModelError);
}

TEST_CASE("primer inspect summarises a training directory and a GGUF; --verify finds a NaN weight") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 60);
  testing::write_file(tmp / "t.toml", train_toml(tmp.path() / "data", 10, 5));
  REQUIRE(run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string()}).exit_code == 0);
  auto r = run_primer({"inspect", (tmp / "run").string(), "--verify"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("step       10") != std::string::npos);
  CHECK(r.out.find("every weight is finite") != std::string::npos);
  CHECK(r.out.find("checkpoints 2: step-00000005, step-00000010") != std::string::npos);
  r = run_primer({"inspect", (tmp / "run").string(), "--json"});
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE(!p.parse(r.out).get(e));
  const model::ModelConfig c = small_config();
  CHECK(e["parameters"].get_int64().value() == c.parameter_count());
  CHECK(e["config"]["n_kv_heads"].get_int64().value() == 2);
  // a NaN in the newest checkpoint's weights
  const fs::path ck = model::resolve_checkpoint(tmp / "run");
  std::vector<float> w = model::read_float_file(ck / "model.bin", model::kWeightsMagic, c.parameter_count());
  w[7] = std::nanf("");
  model::write_float_file(ck / "model.bin", model::kWeightsMagic, w);
  r = run_primer({"inspect", ck.string(), "--verify"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("1 are NaN or infinite") != std::string::npos);
  // the file no longer matches the checksum state.json recorded when it was written
  CHECK(r.out.find("model.bin: sha256 differs from state.json's") != std::string::npos);
  CHECK(r.err.find("2 problems") != std::string::npos);
}

TEST_CASE("checkpoints carry sha256 checksums: a damaged model.bin is refused on load; NaN weights fail inspect") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 60);
  testing::write_file(tmp / "t.toml", train_toml(tmp.path() / "data", 10, 5));
  REQUIRE(run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string()}).exit_code == 0);
  const fs::path ck = model::resolve_checkpoint(tmp / "run");
  const auto sums = model::recorded_checksums(testing::read_file(ck / "state.json"));
  REQUIRE(sums.size() == 2);
  CHECK(sums.at("model.bin") == storage::sha256_file(ck / "model.bin"));
  CHECK(sums.at("optim.bin") == storage::sha256_file(ck / "optim.bin"));
  CHECK(model::parse_train_state(testing::read_file(ck / "state.json"), ck).step == 10);
  auto r = run_primer({"inspect", ck.string(), "--verify"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("checksums  model.bin, optim.bin match state.json") != std::string::npos);

  // One float of the weights overwritten in place by a NaN (same size, header intact).
  std::string bytes = testing::read_file(ck / "model.bin");
  const float nan = std::nanf("");
  std::memcpy(bytes.data() + 64 + 4 * 100, &nan, 4);
  testing::write_file(ck / "model.bin", bytes);
  CHECK_THROWS_WITH_AS(model::load_checkpoint(tmp / "run", false), doctest::Contains("sha256 differs"),
                       model::ModelError);
  r = run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string(), "--resume"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("model.bin: sha256 differs") != std::string::npos);
  r = run_primer({"inspect", ck.string()});  // no --verify: the NaN is found all the same
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("1 weights are NaN or infinite") != std::string::npos);

  // A checkpoint saved with NaN weights (its checksums agree) fails inspect too.
  const model::ModelConfig c = small_config();
  std::vector<float> w(c.parameter_count(), std::nanf(""));
  model::save_checkpoint(tmp / "nan", c, w, {}, "{\"step\": 1, \"tokens_seen\": 0, \"config_hash\": \"x\"}\n");
  CHECK(model::recorded_checksums(testing::read_file(tmp / "nan" / "state.json")).size() == 1);
  CHECK_NOTHROW(model::load_checkpoint(tmp / "nan", false));
  r = run_primer({"inspect", (tmp / "nan").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(std::to_string(c.parameter_count()) + " weights are NaN or infinite") != std::string::npos);
}

TEST_CASE("primer train --resume of a finished run changes nothing; --out into unrelated files is refused") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 60);
  testing::write_file(tmp / "t.toml", train_toml(tmp.path() / "data", 10, 5));
  REQUIRE(run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string()}).exit_code == 0);
  auto snapshot = [](const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = testing::read_file(e.path());
    return files;
  };
  const auto before = snapshot(tmp / "run");
  REQUIRE(before.count("metrics.jsonl"));
  auto r = run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string(), "--resume"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("already finished at step 10; nothing to do") != std::string::npos);
  CHECK(r.out.find("final loss") == std::string::npos);
  CHECK(snapshot(tmp / "run") == before);

  fs::create_directories(tmp / "mine");
  testing::write_file(tmp / "mine" / "notes.txt", "my notes\n");
  r = run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "mine").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("is not empty and holds no primer training run (it has 'notes.txt')") != std::string::npos);
  CHECK(snapshot(tmp / "mine") == std::map<std::string, std::string>{{"notes.txt", "my notes\n"}});
}

TEST_CASE("a failed export or report leaves no temporary file behind") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 60);
  testing::write_file(tmp / "t.toml", train_toml(tmp.path() / "data", 5, 5));
  REQUIRE(run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string()}).exit_code == 0);
  // the output names an existing directory: the rename at the end fails
  fs::create_directories(tmp / "taken" / "model.bin");
  fs::create_directories(tmp / "taken" / "report.html");
  for (const auto& args : {std::vector<std::string>{"export", (tmp / "run").string(), "--format", "llama2c", "--out",
                                                    (tmp / "taken" / "model.bin").string()},
                           std::vector<std::string>{"report", (tmp / "run").string(), "--out",
                                                    (tmp / "taken" / "report.html").string()}}) {
    const auto r = run_primer(args);
    CHECK(r.exit_code != 0);
    CHECK_MESSAGE(r.err.find("cannot rename to") != std::string::npos, r.err);
    for (const auto& e : fs::recursive_directory_iterator(tmp / "taken"))
      CHECK_MESSAGE(e.path().string().find(".tmp-") == std::string::npos, e.path().string());
  }
}

TEST_CASE("sampling flags refuse NaN and infinities") {
  for (const auto& flag : {"--temperature", "--top-p"})
    for (const auto& value : {"nan", "inf", "NaN"}) {
      // An existing path: a missing checkpoint is refused first (exit 2 too).
      const auto r = run_primer({"sample", fs::temp_directory_path().string(), "--prompt", "x", flag, value});
      CHECK(r.exit_code == 2);
      CHECK_MESSAGE(r.err.find("is not a finite number") != std::string::npos, r.err);
    }
}

namespace {

// N ranks as N threads of this process: the collectives of model/distributed.h over
// shared memory, with the same arithmetic contract as MPI's (the tree over rank order).
class ThreadRanks {
 public:
  explicit ThreadRanks(int n) : n_(n), sync_(n), slots_(n) {}

  class Rank final : public model::Communicator {
   public:
    Rank(ThreadRanks& all, int rank) : all_(all), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return all_.n_; }
    void sum_tree(float* data, int64_t n) override {
      all_.slots_[rank_] = data;
      all_.sync_.arrive_and_wait();
      std::vector<std::vector<float>> parts(all_.n_);
      for (int r = 0; r < all_.n_; ++r) parts[r].assign(all_.slots_[r], all_.slots_[r] + n);
      for (int stride = 1; stride < all_.n_; stride *= 2)
        for (int r = 0; r + stride < all_.n_; r += 2 * stride)
          for (int64_t i = 0; i < n; ++i) parts[r][i] += parts[r + stride][i];
      all_.sync_.arrive_and_wait();
      std::copy(parts[0].begin(), parts[0].end(), data);
    }
    void all_gather(const float* mine, int count, float* all) override {
      all_.slots_[rank_] = const_cast<float*>(mine);
      all_.sync_.arrive_and_wait();
      for (int r = 0; r < all_.n_; ++r) std::copy_n(all_.slots_[r], count, all + static_cast<int64_t>(r) * count);
      all_.sync_.arrive_and_wait();
    }
    void broadcast(void* data, size_t bytes) override {
      if (rank_ == 0) all_.slots_[0] = static_cast<float*>(data);
      all_.sync_.arrive_and_wait();
      if (rank_ != 0) std::memcpy(data, all_.slots_[0], bytes);
      all_.sync_.arrive_and_wait();
    }
    bool any(bool flag) override {
      all_.flags_[rank_] = flag;
      all_.sync_.arrive_and_wait();
      bool result = false;
      for (int r = 0; r < all_.n_; ++r) result = result || all_.flags_[r];
      all_.sync_.arrive_and_wait();
      return result;
    }
    [[noreturn]] void abort(int) override { std::abort(); }
    std::string library() const override { return "threads"; }

   private:
    ThreadRanks& all_;
    int rank_;
  };

  // Runs train(request) on every rank (rank 0 writes request.out); returns rank 0's result.
  model::TrainResult train(model::TrainRequest request) {
    std::vector<model::TrainResult> results(n_);
    std::vector<std::exception_ptr> errors(n_);
    std::vector<std::thread> threads;
    for (int r = 0; r < n_; ++r)
      threads.emplace_back([&, r] {
        Rank me(*this, r);
        model::TrainRequest mine = request;
        mine.comm = &me;
        try {
          results[r] = model::train(mine);
        } catch (...) {
          errors[r] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    if (errors[0]) std::rethrow_exception(errors[0]);
    return results[0];
  }

 private:
  int n_;
  std::barrier<> sync_;
  std::vector<float*> slots_;
  bool flags_[16] = {};
};

model::TrainRequest ranks_request(const fs::path& data, const fs::path& out, int grad_accum) {
  model::TrainRequest req;
  req.model = small_config();
  req.options.data = data;
  req.options.batch_size = 4;
  req.options.grad_accum = grad_accum;
  req.options.steps = 12;
  req.options.lr = 3e-3;
  req.options.warmup = 3;
  req.options.eval_every = 6;
  req.options.eval_batches = 2;
  req.options.checkpoint_every = 0;
  req.options.seed = 7;
  req.out = out;
  return req;
}

}  // namespace

TEST_CASE("data parallel: 2 and 4 ranks (threads standing in for MPI) give one process's bits; 3 ranks are refused") {
  TempDir tmp;
  write_token_data(tmp.path() / "data", 100);
  for (int accum : {4, 8}) {
    const fs::path ref = tmp / ("one-" + std::to_string(accum));
    model::train(ranks_request(tmp.path() / "data", ref, accum));
    const auto reference = read_metrics(ref);
    REQUIRE(reference.size() == 12);
    const auto ref_model = storage::read_file(ref / "checkpoints/step-00000012/model.bin");
    for (int n : {2, 4}) {
      CAPTURE(accum);
      CAPTURE(n);
      const fs::path out = tmp / ("ranks-" + std::to_string(accum) + "-" + std::to_string(n));
      ThreadRanks ranks(n);
      ranks.train(ranks_request(tmp.path() / "data", out, accum));
      CHECK(read_metrics(out) == reference);
      CHECK(storage::read_file(out / "checkpoints/step-00000012/model.bin") == ref_model);
    }
  }
  ThreadRanks three(3);
  CHECK_THROWS_WITH_AS(three.train(ranks_request(tmp.path() / "data", tmp / "three", 3)),
                       doctest::Contains("power of two"), model::SetupFailed);
}
