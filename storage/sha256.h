// Streaming SHA-256 (OpenSSL EVP). Not thread-safe; one object per stream.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace primer::storage {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  // Lower-case hex digest; the object is finished afterwards.
  std::string hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::string_view bytes);
// Hashes a file in 1 MiB blocks; throws StorageError if it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace primer::storage
