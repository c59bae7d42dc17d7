// The problem list as a CSV file a clerk opens in Excel: UTF-8 with a BOM
// (Excel reads UTF-8 only then), CRLF line ends, RFC 4180 quoting, names
// instead of ids, and every page of OfficeService/ListProblems for the
// query, fetched through the gateway as the person (so a zone director's
// file holds their zones only). No HTTP here: the console streams the
// pieces Next() returns.
//
// Cells that a spreadsheet would take for a formula (starting with = + - @,
// or a tab or carriage return) get a leading apostrophe: a finding's text
// typed on a tablet must not run as a formula on the office's PC.
//
// Thread-safety: one ProblemsCsv per download, used by one thread at a time.
#ifndef INSPECTSYNC_SERVER_CONSOLE_PROBLEMS_CSV_H_
#define INSPECTSYNC_SERVER_CONSOLE_PROBLEMS_CSV_H_

#include <map>
#include <string>
#include <string_view>

#include "inspectsync/v1/office.pb.h"
#include "server/console/gateway.h"

namespace inspectsync::server::console {

// One cell, quoted when it holds a comma, quote, CR or LF, and guarded
// against formula injection.
std::string CsvCell(std::string_view text);

class ProblemsCsv {
 public:
  ProblemsCsv(Gateway* gateway, Person person, v1::ProblemQuery query);
  // Reads the names and the first page. A refusal (bad query, another
  // zone) is returned here, before any byte of the file is sent.
  Status Start();
  // The next piece of the file: the BOM, the header and the first page,
  // then a page at a time. False at the end, or on a failure (status()).
  bool Next(std::string* out);
  const Status& status() const { return status_; }
  // Rows written so far.
  size_t rows() const { return rows_; }

 private:
  Status FetchPage();
  Status FetchNames();
  void AppendPage(std::string* out);

  Gateway* gateway_;
  Person person_;
  v1::ProblemQuery query_;
  v1::ProblemPage page_;
  bool have_page_ = false;
  bool header_sent_ = false;
  bool done_ = false;
  Status status_;
  size_t rows_ = 0;
  std::map<std::string, std::string> zone_names_;      // zone id -> name
  std::map<std::string, std::string> notice_refs_;     // notice id -> reference number
  std::map<std::string, std::string> site_codes_;      // site id -> code
};

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_PROBLEMS_CSV_H_
