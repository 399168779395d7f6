// Test helper for torch_reference_test.py: runs primer's transformer on a checkpoint and
// a token file and writes what an independent PyTorch implementation must reproduce.
//
//   model_grad_dump CHECKPOINT TOKENS B T OUT
//     TOKENS: int32 (B, T + 1); inputs are [:, :T], targets [:, 1:]
//     OUT/loss.txt       mean cross-entropy
//     OUT/logits.bin     float32 (B, T, V)
//     OUT/grads.bin      float32 gradients of the mean loss, tensor_layout order
//     OUT/adamw.bin      float32 parameters after two AdamW steps with those gradients
//                        (lr 1e-2, betas 0.9/0.95, eps 1e-8, weight decay 0.1 on matrices)
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "model/checkpoint.h"
#include "model/kernels/adamw.h"
#include "model/transformer.h"

using namespace primer::model;

static void write_raw(const std::string& path, const float* data, size_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(float)));
  if (!out) throw std::runtime_error("cannot write " + path);
}

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: model_grad_dump CHECKPOINT TOKENS B T OUT\n");
    return 2;
  }
  try {
    const Checkpoint ck = load_checkpoint(argv[1], false);
    const int b = std::stoi(argv[3]), t = std::stoi(argv[4]);
    const std::string out = argv[5];
    std::vector<int32_t> all(static_cast<size_t>(b) * (t + 1));
    std::ifstream in(argv[2], std::ios::binary);
    in.read(reinterpret_cast<char*>(all.data()), static_cast<std::streamsize>(all.size() * sizeof(int32_t)));
    if (!in) throw std::runtime_error("cannot read the tokens");
    std::vector<int32_t> inputs, targets;
    for (int i = 0; i < b; ++i)
      for (int j = 0; j < t; ++j) {
        inputs.push_back(all[i * (t + 1) + j]);
        targets.push_back(all[i * (t + 1) + j + 1]);
      }
    Transformer model(ck.config);
    std::copy(ck.weights.begin(), ck.weights.end(), model.parameters().begin());
    const float loss = model.forward(inputs.data(), targets.data(), b, t);
    write_raw(out + "/logits.bin", model.logits().data(), model.logits().size());
    std::ofstream(out + "/loss.txt") << std::to_string(loss) << "\n";

    model.zero_grad();
    model.forward(inputs.data(), targets.data(), b, t, 1.0f / static_cast<float>(b * t));
    model.backward();
    write_raw(out + "/grads.bin", model.gradients().data(), model.gradients().size());

    const size_t n = model.parameters().size();
    std::vector<float> m(n, 0.0f), v(n, 0.0f);
    for (int step = 1; step <= 2; ++step)
      for (const TensorInfo& info : tensor_layout(ck.config)) {
        kernels::AdamW opt;
        opt.lr = 1e-2f, opt.beta1 = 0.9f, opt.beta2 = 0.95f, opt.eps = 1e-8f, opt.step = step;
        opt.weight_decay = info.decay ? 0.1f : 0.0f;
        kernels::adamw_update<float>(model.parameters().data() + info.offset, model.gradients().data() + info.offset,
                                     m.data() + info.offset, v.data() + info.offset, info.size, opt);
      }
    write_raw(out + "/adamw.bin", model.parameters().data(), n);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "model_grad_dump: %s\n", e.what());
    return 1;
  }
  return 0;
}
