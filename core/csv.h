// RFC 4180 CSV for the office's imports (zones, sites, users, assignments)
// and exports (the problem list).
//
// CsvReader streams one record at a time, so memory is bounded by one record
// (each field by CsvReaderOptions::max_field_bytes, the record by
// max_fields): a 100 MB import never sits in memory whole. Every error names
// the 1-based line it was found on, because the office fixes the file in a
// spreadsheet and needs to find the row. Records are reported with the line
// they *start* on: a quoted field may span lines, so record n is not line n.
//
// What the reader accepts (RFC 4180 plus what real spreadsheets write):
//   - fields separated by ',', records ended by CR LF, LF, or a lone CR;
//     the last record may lack a line end;
//   - quoted fields ("a, b", "say ""hi""", line breaks inside kept verbatim);
//   - a UTF-8 byte order mark at the very start (skipped: Excel writes one);
//   - blank lines anywhere (skipped: they are not records);
//   - spaces are data: ` a ` is the field " a " (trimming is the caller's call).
// What it rejects, with the line: an unterminated quote, a quote inside an
// unquoted field, text after a closing quote, invalid UTF-8 (strict: no
// overlong forms, no surrogates), a field or record over the limits.
//
// CsvWriter quotes a field only when it must, and ends rows with CR LF, so
// what it writes reads back byte for byte (CsvReader(CsvWriter(x)) == x).
//
// Thread-safety: a CsvReader / CsvWriter / CsvHeader is a value used by one
// thread at a time; distinct instances are independent.
#ifndef INSPECTSYNC_CORE_CSV_H_
#define INSPECTSYNC_CORE_CSV_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::core {

inline constexpr size_t kDefaultCsvMaxFieldBytes = size_t{1} << 20;  // 1 MiB
inline constexpr size_t kDefaultCsvMaxFields = 4096;

struct CsvReaderOptions {
  // The largest field accepted, in bytes. Bounds memory against a file whose
  // quote never closes.
  size_t max_field_bytes = kDefaultCsvMaxFieldBytes;
  // The most fields one record may have (a line of a million commas would
  // otherwise cost a million strings).
  size_t max_fields = kDefaultCsvMaxFields;
};

struct CsvRecord {
  std::vector<std::string> fields;
  int64_t line = 0;  // 1-based line where the record starts
};

class CsvReader {
 public:
  // Reads from `in`. REQUIRES: `in` outlives the reader.
  explicit CsvReader(std::istream& in, CsvReaderOptions options = {});
  // Reads from a copy of `text`.
  explicit CsvReader(std::string text, CsvReaderOptions options = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next record into *record: true if one was read, false at the end of
  // the input, an INVALID_ARGUMENT status ("line 7: ...") for malformed input
  // (DATA_LOSS if the stream itself fails). Errors are sticky: once Next
  // fails, every later call returns the same status, since the position in
  // the input is no longer meaningful.
  StatusOr<bool> Next(CsvRecord* record);

  // The line the reader is on (1-based): where the next record would start.
  int64_t line() const { return line_; }

 private:
  int Peek();  // the next byte (0..255) or -1 at the end of input
  int Get();
  bool Fill();
  // Consumes a line end (CR LF, LF or CR) if one is next; counts the line.
  void ConsumeLineEnd();
  Status Fail(Status s);
  Status ReadQuoted(std::string* field, size_t field_no);
  Status AppendByte(std::string* field, size_t field_no, int c);
  Status FinishField(std::string* field, size_t field_no, std::vector<std::string>* fields);

  std::unique_ptr<std::istream> owned_;  // set when built from a string
  std::istream* in_;
  CsvReaderOptions options_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool started_ = false;  // the BOM check has run
  int64_t line_ = 1;
  Status status_;
  // Incremental UTF-8 check of the current field: continuation bytes still
  // expected and the allowed range of the next one.
  int utf8_need_ = 0;
  unsigned char utf8_lo_ = 0x80, utf8_hi_ = 0xBF;
};

// Maps the header row of an import onto the columns the importer knows.
// Names compare case-insensitively (ASCII) after trimming spaces and tabs,
// so " Zone_ID" matches "zone_id"; a non-ASCII name must match byte for byte.
class CsvHeader {
 public:
  // Fails (INVALID_ARGUMENT, every problem listed in one message so the
  // office fixes the file in one go) for: an empty column name, a column
  // named twice, a column that is neither required nor optional (names it
  // and lists the known ones), a required column that is missing (names it
  // and lists what the header has). REQUIRES: `required` and `optional` are
  // distinct, non-empty names.
  static StatusOr<CsvHeader> Parse(const std::vector<std::string>& header_row,
                                   const std::vector<std::string>& required,
                                   const std::vector<std::string>& optional = {});

  // The column index of known column `name`, or -1 when it is an optional
  // column the file does not have (or not a known name at all).
  int Index(std::string_view name) const;
  bool Has(std::string_view name) const { return Index(name) >= 0; }
  // The field of column `name` in `fields`; "" when the column is absent.
  // REQUIRES: CheckWidth(fields) passed, the views live as long as `fields`.
  std::string_view Get(const std::vector<std::string>& fields, std::string_view name) const;
  // A record must have exactly as many fields as the header: a short or long
  // row is almost always a missing or extra comma, and guessing would shift
  // every value into the wrong column.
  Status CheckWidth(const CsvRecord& record) const;
  size_t width() const { return width_; }

  // The comparison key of a column name: trimmed, ASCII lowercase.
  static std::string Normalize(std::string_view name);

 private:
  std::vector<std::pair<std::string, int>> index_;  // normalized known name -> column or -1
  size_t width_ = 0;
};

// Appends rows to an ostream or a string. Each row ends with CR LF (RFC 4180).
// A field is quoted only when it has to be: it contains ',', '"', CR or LF,
// or begins or ends with a space or tab (which readers that trim would lose).
// A row of one empty field is written as "" so it does not read back as a
// blank line (which readers skip).
class CsvWriter {
 public:
  // REQUIRES: `out` outlives the writer.
  explicit CsvWriter(std::ostream& out);
  explicit CsvWriter(std::string* out);

  // Every row must have as many fields as the first one (INVALID_ARGUMENT
  // otherwise, nothing written): columns stay in the order given, and a
  // ragged export would not import. DATA_LOSS if the stream fails.
  Status WriteRow(const std::vector<std::string>& fields);
  Status WriteRow(std::initializer_list<std::string_view> fields);

  // `field` as it appears in a CSV line (quoted and doubled when needed).
  static std::string Escape(std::string_view field);

 private:
  Status Write(const std::string_view* fields, size_t n);

  std::ostream* out_ = nullptr;
  std::string* str_ = nullptr;
  size_t width_ = 0;  // 0 until the first row
  std::string line_;  // reused row buffer
};

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_CSV_H_
