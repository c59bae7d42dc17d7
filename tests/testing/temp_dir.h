// A fresh directory under $TMPDIR for one test, removed afterwards.
#ifndef INSPECTSYNC_TESTS_TESTING_TEMP_DIR_H_
#define INSPECTSYNC_TESTS_TESTING_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace inspectsync::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "inspectsync-test-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    path_ = made ? made : tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_TEMP_DIR_H_
