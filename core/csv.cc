#include "core/csv.h"

#include "core/quote.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <utility>

namespace inspectsync::core {

namespace {

constexpr size_t kReadChunk = 64 * 1024;

std::string LinePrefix(int64_t line) { return "line " + std::to_string(line) + ": "; }

// Names from a file's header, quoted; a header of thousands of columns is
// shown by its first ones and its count.
std::string JoinNames(const std::vector<std::string>& names) {
  constexpr size_t kShown = 20;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) {
    if (!out.empty()) out += ", ";
    out += Quote(names[i]);
  }
  if (names.size() > kShown) out += ", \xE2\x80\xA6 (" + std::to_string(names.size()) + " in all)";
  return out.empty() ? "(none)" : out;
}

}  // namespace

// ---- CsvReader ----

CsvReader::CsvReader(std::istream& in, CsvReaderOptions options)
    : in_(&in), options_(options), buf_(kReadChunk) {}

CsvReader::CsvReader(std::string text, CsvReaderOptions options)
    : owned_(std::make_unique<std::istringstream>(std::move(text))),
      in_(owned_.get()),
      options_(options),
      buf_(kReadChunk) {}

CsvReader::~CsvReader() = default;

bool CsvReader::Fill() {
  if (eof_) return false;
  in_->read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  end_ = static_cast<size_t>(in_->gcount());
  pos_ = 0;
  if (in_->bad()) {
    Fail(DataLoss(LinePrefix(line_) + "reading the CSV input failed"));
    eof_ = true;
    end_ = 0;
    return false;
  }
  if (end_ == 0) eof_ = true;
  return end_ > 0;
}

int CsvReader::Peek() {
  if (pos_ == end_ && !Fill()) return -1;
  return static_cast<unsigned char>(buf_[pos_]);
}

int CsvReader::Get() {
  int c = Peek();
  if (c >= 0) ++pos_;
  return c;
}

void CsvReader::ConsumeLineEnd() {
  int c = Peek();
  if (c == '\n') {
    Get();
    ++line_;
  } else if (c == '\r') {
    Get();
    if (Peek() == '\n') Get();
    ++line_;
  }
}

Status CsvReader::Fail(Status s) {
  if (status_.ok()) status_ = std::move(s);
  return status_;
}

// Appends one content byte, checking the size limit and UTF-8 as it goes so
// the error names the line of the bad byte, not of the field's end.
Status CsvReader::AppendByte(std::string* field, size_t field_no, int c) {
  if (field->size() >= options_.max_field_bytes)
    return InvalidArgument(LinePrefix(line_) + "field " + std::to_string(field_no) + " is longer than " +
                           std::to_string(options_.max_field_bytes) + " bytes (the max_field_bytes limit)");
  auto b = static_cast<unsigned char>(c);
  auto bad = [&] {
    return InvalidArgument(LinePrefix(line_) + "invalid UTF-8 in field " + std::to_string(field_no) + " (byte " +
                           DescribeByte(c) + "); save the file as UTF-8");
  };
  if (utf8_need_ > 0) {
    if (b < utf8_lo_ || b > utf8_hi_) return bad();
    --utf8_need_;
    utf8_lo_ = 0x80;
    utf8_hi_ = 0xBF;
  } else if (b >= 0x80) {
    // Lead bytes per RFC 3629 table: the first continuation byte's range
    // excludes overlong forms (E0, F0), surrogates (ED) and > U+10FFFF (F4).
    utf8_lo_ = 0x80;
    utf8_hi_ = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      utf8_need_ = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      utf8_need_ = 2;
      if (b == 0xE0) utf8_lo_ = 0xA0;
      if (b == 0xED) utf8_hi_ = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      utf8_need_ = 3;
      if (b == 0xF0) utf8_lo_ = 0x90;
      if (b == 0xF4) utf8_hi_ = 0x8F;
    } else {
      return bad();  // a stray continuation byte, C0/C1, or F5..FF
    }
  }
  field->push_back(static_cast<char>(b));
  return Status::Ok();
}

Status CsvReader::FinishField(std::string* field, size_t field_no, std::vector<std::string>* fields) {
  if (utf8_need_ > 0)
    return InvalidArgument(LinePrefix(line_) + "invalid UTF-8 in field " + std::to_string(field_no) +
                           " (a multi-byte character is cut short); save the file as UTF-8");
  if (fields->size() >= options_.max_fields)
    return InvalidArgument(LinePrefix(line_) + "the record has more than " + std::to_string(options_.max_fields) +
                           " fields (the max_fields limit)");
  fields->push_back(std::move(*field));
  field->clear();
  return Status::Ok();
}

// The body of a quoted field, from after the opening quote through the
// closing one. Line breaks inside are data and are kept exactly (CR LF stays
// CR LF); they still count as lines, so later errors point at the right one.
Status CsvReader::ReadQuoted(std::string* field, size_t field_no) {
  const int64_t opened_at = line_;
  while (true) {
    int c = Get();
    if (c < 0) {
      if (!status_.ok()) return status_;
      return InvalidArgument(LinePrefix(line_) + "unterminated quoted field " + std::to_string(field_no) +
                             ": the quote opened on line " + std::to_string(opened_at) + " is never closed");
    }
    if (c == '"') {
      if (Peek() != '"') return Status::Ok();  // the closing quote
      Get();                                   // "" is one quote
    }
    INSPECTSYNC_RETURN_IF_ERROR(AppendByte(field, field_no, c));
    if (c == '\n' || (c == '\r' && Peek() != '\n')) ++line_;
  }
}

StatusOr<bool> CsvReader::Next(CsvRecord* record) {
  if (!status_.ok()) return status_;
  record->fields.clear();
  if (!started_) {
    started_ = true;
    // Skip a UTF-8 BOM. A partial one is left in place; the UTF-8 check
    // then rejects it.
    if (Peek() == 0xEF && end_ - pos_ >= 3 && static_cast<unsigned char>(buf_[pos_ + 1]) == 0xBB &&
        static_cast<unsigned char>(buf_[pos_ + 2]) == 0xBF)
      pos_ += 3;
  }
  // Blank lines are not records (RFC 4180 has none; spreadsheets add them).
  while (Peek() == '\n' || Peek() == '\r') ConsumeLineEnd();
  if (Peek() < 0) {
    if (!status_.ok()) return status_;
    return false;
  }
  record->line = line_;

  std::string field;
  while (true) {
    const size_t field_no = record->fields.size() + 1;
    utf8_need_ = 0;
    if (Peek() == '"') {
      Get();
      Status s = ReadQuoted(&field, field_no);
      if (!s.ok()) return Fail(s);
      int c = Peek();
      if (c != ',' && c != '\n' && c != '\r' && c >= 0)
        return Fail(InvalidArgument(LinePrefix(line_) + "unexpected " + DescribeByte(c) +
                                    " after the closing quote of field " + std::to_string(field_no) +
                                    "; a quoted field must end at a comma or the end of the line"));
    } else {
      while (true) {
        int c = Peek();
        if (c == ',' || c == '\n' || c == '\r' || c < 0) break;
        if (c == '"')
          return Fail(InvalidArgument(LinePrefix(line_) + "quote inside unquoted field " +
                                      std::to_string(field_no) +
                                      "; a field with a quote must be quoted whole, with the quote doubled "
                                      "(\"like \"\"this\"\"\")"));
        Get();
        Status s = AppendByte(&field, field_no, c);
        if (!s.ok()) return Fail(s);
      }
    }
    if (!status_.ok()) return status_;  // the stream failed mid-field
    Status s = FinishField(&field, field_no, &record->fields);
    if (!s.ok()) return Fail(s);
    if (Peek() == ',') {
      Get();
      continue;  // a ',' before the line end means one more (possibly empty) field
    }
    ConsumeLineEnd();
    return true;
  }
}

// ---- CsvHeader ----

std::string CsvHeader::Normalize(std::string_view name) {
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!name.empty() && is_space(name.front())) name.remove_prefix(1);
  while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
  std::string out(name);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

StatusOr<CsvHeader> CsvHeader::Parse(const std::vector<std::string>& header_row,
                                     const std::vector<std::string>& required,
                                     const std::vector<std::string>& optional) {
  CsvHeader h;
  h.width_ = header_row.size();
  std::vector<std::string> known;  // as the caller spells them, for messages
  for (const auto* list : {&required, &optional})
    for (const std::string& name : *list) {
      h.index_.emplace_back(Normalize(name), -1);
      known.push_back(name);
    }

  std::vector<std::string> problems;
  std::vector<std::string> header_names;  // trimmed, for messages
  for (size_t col = 0; col < header_row.size(); ++col) {
    const std::string key = Normalize(header_row[col]);
    const std::string col_name = "column " + std::to_string(col + 1);
    header_names.push_back(header_row[col]);
    if (key.empty()) {
      problems.push_back(col_name + " of the header has no name");
      continue;
    }
    auto it = std::find_if(h.index_.begin(), h.index_.end(), [&](const auto& e) { return e.first == key; });
    if (it == h.index_.end()) {
      problems.push_back("unknown " + col_name + " " + Quote(header_row[col]) + "; the known columns are " +
                         JoinNames(known));
    } else if (it->second >= 0) {
      problems.push_back("column " + Quote(header_row[col]) + " appears twice (columns " + std::to_string(it->second + 1) +
                         " and " + std::to_string(col + 1) + ")");
    } else {
      it->second = static_cast<int>(col);
    }
  }
  for (size_t i = 0; i < required.size(); ++i)
    if (h.index_[i].second < 0)
      problems.push_back("missing required column '" + required[i] + "'; the header has " +
                         JoinNames(header_names));

  if (!problems.empty()) {
    std::string msg = "CSV header: ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    return InvalidArgument(std::move(msg));
  }
  return h;
}

int CsvHeader::Index(std::string_view name) const {
  const std::string key = Normalize(name);
  for (const auto& [k, col] : index_)
    if (k == key) return col;
  return -1;
}

std::string_view CsvHeader::Get(const std::vector<std::string>& fields, std::string_view name) const {
  int col = Index(name);
  if (col < 0 || static_cast<size_t>(col) >= fields.size()) return {};
  return fields[static_cast<size_t>(col)];
}

Status CsvHeader::CheckWidth(const CsvRecord& record) const {
  if (record.fields.size() == width_) return Status::Ok();
  return InvalidArgument(LinePrefix(record.line) + "the record has " + std::to_string(record.fields.size()) +
                         " fields but the header has " + std::to_string(width_) +
                         " (a missing or extra comma, or a value with a comma that is not quoted?)");
}

// ---- CsvWriter ----

CsvWriter::CsvWriter(std::ostream& out) : out_(&out) {}
CsvWriter::CsvWriter(std::string* out) : str_(out) {}

std::string CsvWriter::Escape(std::string_view field) {
  bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!field.empty()) {
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    quote = quote || is_space(field.front()) || is_space(field.back());
  }
  if (!quote) return std::string(field);
  std::string out;
  out.reserve(field.size() + 2);
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Status CsvWriter::Write(const std::string_view* fields, size_t n) {
  if (n == 0) return InvalidArgument("a CSV row needs at least one field");
  if (width_ != 0 && n != width_)
    return InvalidArgument("CSV row has " + std::to_string(n) + " fields; the first row had " +
                           std::to_string(width_));
  width_ = n;
  line_.clear();
  for (size_t i = 0; i < n; ++i) {
    if (i) line_ += ',';
    line_ += Escape(fields[i]);
  }
  if (n == 1 && fields[0].empty()) line_ = "\"\"";  // else it would read back as a blank line
  line_ += "\r\n";
  if (str_) {
    str_->append(line_);
    return Status::Ok();
  }
  out_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
  if (!out_->good()) return DataLoss("writing a CSV row failed");
  return Status::Ok();
}

Status CsvWriter::WriteRow(const std::vector<std::string>& fields) {
  std::vector<std::string_view> views(fields.begin(), fields.end());
  return Write(views.data(), views.size());
}

Status CsvWriter::WriteRow(std::initializer_list<std::string_view> fields) {
  return Write(fields.begin(), fields.size());
}

}  // namespace inspectsync::core
