// The district office's reference-data imports (zones, sites, users,
// assignments) from CSV or JSON Lines: reading a file into rows, and checking
// every row into the records to create. One implementation for the command
// line's office device (tools/office_import.cc) and the server's Import RPC
// (server/integration_findings.h), so both accept and refuse the same files
// with the same line-numbered messages.
//
// All or nothing: the planner never writes. It lists EVERY problem with its
// line — columns, enum names, lengths, dates, codes used twice in the file,
// references to zones, sites and users that do not exist; every problem of
// a row, not only its first — so the office fixes the file in one go; the
// caller writes the plan only when it has none. A problem's text never
// repeats its line: ImportProblem::ToString adds it once.
//
// Ids: a record's id derives from its code (core::ImportRecordId), so the
// same file imported again names the same records ("already there"), and a
// reference in a later file (sites' zone) is the code itself. Wherever a
// code is expected, a record id (a UUID) is accepted as well.
//
// Labels: site kinds and roles in English or Chinese (core/labels.h).
//
// Formats: CSV (RFC 4180, core/csv.h) with a header row naming the columns;
// JSON Lines, one object per line whose keys are the same column names
// (values strings, or numbers and booleans written as text). Blank lines are
// skipped in both. Memory: the rows of the file (nothing is written before
// all of them pass, so they are kept), and a CSV file's text while it is read.
//
// Thread-safety: free functions over values; the lookup is the caller's.
#ifndef INSPECTSYNC_CORE_OFFICE_IMPORT_H_
#define INSPECTSYNC_CORE_OFFICE_IMPORT_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include "core/text_encoding.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/integration.pb.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::core {

enum class ImportKind { kZones, kSites, kUsers, kAssignments };

// "zones", "sites", "users", "assignments" (INVALID_ARGUMENT otherwise).
StatusOr<ImportKind> ParseImportKind(const std::string& name);
const char* ImportKindName(ImportKind kind);  // also the collection

// The columns of a kind: required ones first, then optional ones.
void ImportColumns(ImportKind kind, std::vector<std::string>* required, std::vector<std::string>* optional);

// One row: its values by normalized column name (CsvHeader::Normalize),
// trimmed of spaces and tabs; a column the file lacks reads as "".
struct ImportRow {
  int64_t line = 0;  // 1-based line the row starts on
  std::map<std::string, std::string> values;
  std::string Get(const std::string& column) const;
};

// A problem with the file: `line` 0 is the file as a whole (its message may
// name a line itself, as the CSV reader's do).
struct ImportProblem {
  int64_t line = 0;
  std::string what;
  std::string ToString() const;  // "line 4: zone 'Z9' does not exist ..." or `what`
};

struct ImportTable {
  std::vector<ImportRow> rows;
  std::vector<ImportProblem> problems;
};

// Reads every row. Unknown or missing columns (CSV header; JSON keys) and
// malformed lines are problems; rows that could not be read are left out.
// A CSV file is decoded to UTF-8 first (core/text_encoding.h: in auto mode
// UTF-8 with or without a BOM, else GB18030/GBK as Excel saves it); bytes
// that do not decode are one problem naming their line, and no row is read.
ImportTable ReadCsvTable(std::istream& in, const std::vector<std::string>& required,
                         const std::vector<std::string>& optional, TextEncoding encoding = TextEncoding::kAuto);
ImportTable ReadJsonLinesTable(std::istream& in, const std::vector<std::string>& required,
                               const std::vector<std::string>& optional);

// Which records exist now (live, not deleted), for checking references.
class ImportLookup {
 public:
  virtual ~ImportLookup() = default;
  virtual StatusOr<bool> Exists(const std::string& collection, const std::string& id) = 0;
};

// A record to create.
struct PlannedRecord {
  int64_t line = 0;
  std::string code;  // as the file gave it (for users: the name a token is issued to)
  std::string collection;
  std::string id;
  v1::RecordBody body;
  std::vector<std::string> given;  // the row's non-empty columns (DiffImport)
};

struct ImportPlan {
  std::vector<PlannedRecord> records;
  std::vector<ImportProblem> problems;
};

// Checks every row of `table` (read with ImportColumns(kind)) and builds the
// records. An error status only when the lookup itself fails.
StatusOr<ImportPlan> PlanImport(ImportKind kind, const ImportTable& table, ImportLookup& lookup);

// One column whose value in the file differs from the stored record's.
struct ImportChange {
  std::string column;  // the file's column ("zone")
  std::string field;   // the record's field it fills ("zone_id")
  std::string old_value, new_value;  // as a person reads them
};

// Renders a record id a column refers to (a site's zone) for a person,
// e.g. "N (North)"; the caller knows the records.
using ImportRefText = std::function<std::string(const std::string& collection, const std::string& id)>;

// A coded record (zone, site) as a person names it: "N (North)", the name
// alone without a code, "" if neither.
std::string CodeAndName(const v1::RecordBody& body);
// Its name field ("" if it has none).
std::string NameOf(const v1::RecordBody& body);

// What re-importing `planned` would change in `existing` (the same record as
// stored), column by column, in the kind's column order. Only what the file
// gives counts: an optional column left empty in the row (a site's address,
// a user's `active`) keeps the stored value and is no difference — clearing
// a value is a correction, not an import. The code is the record's identity,
// never a difference. Assignments never differ: their id derives from every
// column, so a changed row is another assignment.
std::vector<ImportChange> DiffImport(ImportKind kind, const PlannedRecord& planned, const v1::RecordBody& existing,
                                     const ImportRefText& ref_text = nullptr);

// The row's differences as ImportResponse carries them: the record by kind,
// code and name (as stored), its line, each column old -> new.
v1::ImportDifference ImportDifferenceOf(ImportKind kind, const PlannedRecord& planned, const v1::RecordBody& existing,
                                        const std::vector<ImportChange>& changes);

// The id of `ref` in `collection`: a UUID as is, a code through ImportRecordId.
std::string ResolveImportRef(const std::string& collection, const std::string& ref);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_OFFICE_IMPORT_H_
