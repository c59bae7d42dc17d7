#include "server/auth/certs.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <sstream>

namespace inspectsync::auth {

namespace {

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

PKey NewKey() { return PKey(EVP_EC_gen("P-256"), &EVP_PKEY_free); }

bool AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Cert MakeCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, long days,
              const std::vector<std::pair<int, std::string>>& exts) {
  Cert cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("InspectSync development"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  for (const auto& [nid, value] : exts)
    if (!AddExt(cert.get(), issuer ? issuer : cert.get(), nid, value)) return Cert(nullptr, &X509_free);
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return Cert(nullptr, &X509_free);
  return cert;
}

Status WritePem(const std::string& path, bool secret, const std::function<int(FILE*)>& write) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, secret ? 0600 : 0644);
  if (fd < 0) return FailedPrecondition("cannot write " + path);
  FILE* f = fdopen(fd, "w");
  bool ok = f && write(f) == 1 && std::fflush(f) == 0 && ::fsync(fd) == 0;
  if (f) std::fclose(f);
  if (!ok) return Internal("cannot write " + path);
  return Status::Ok();
}

bool IsIp(const std::string& h) {
  for (char c : h)
    if (!(isdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':')) return false;
  return !h.empty();
}

}  // namespace

CertPaths CertPaths::In(const std::string& dir) {
  return CertPaths{dir + "/ca.pem", dir + "/ca-key.pem", dir + "/server.pem", dir + "/server-key.pem"};
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FailedPrecondition("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status InitDevCerts(const std::string& dir, const std::vector<std::string>& hosts, bool force) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  CertPaths p = CertPaths::In(dir);
  if (!force)
    for (const std::string& f : {p.ca_cert, p.ca_key, p.server_cert, p.server_key})
      if (access(f.c_str(), F_OK) == 0) return AlreadyExists(f + " already exists (use --force to replace it)");

  PKey ca_key = NewKey(), server_key = NewKey();
  if (!ca_key || !server_key) return Internal("cannot generate EC keys");
  Cert ca = MakeCert(ca_key.get(), "InspectSync development CA", nullptr, ca_key.get(), 3650,
                     {{NID_basic_constraints, "critical,CA:TRUE"},
                      {NID_key_usage, "critical,keyCertSign,cRLSign"},
                      {NID_subject_key_identifier, "hash"}});
  if (!ca) return Internal("cannot make the CA certificate");
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const auto& h : hosts) san += (IsIp(h) ? ",IP:" : ",DNS:") + h;
  Cert server = MakeCert(server_key.get(), "localhost", ca.get(), ca_key.get(), 825,
                         {{NID_basic_constraints, "critical,CA:FALSE"},
                          {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                          {NID_ext_key_usage, "serverAuth"},
                          {NID_subject_alt_name, san},
                          {NID_authority_key_identifier, "keyid:always"}});
  if (!server) return Internal("cannot make the server certificate (bad host name in " + san + "?)");

  INSPECTSYNC_RETURN_IF_ERROR(WritePem(p.ca_key, true, [&](FILE* f) {
    return PEM_write_PrivateKey(f, ca_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }));
  INSPECTSYNC_RETURN_IF_ERROR(WritePem(p.server_key, true, [&](FILE* f) {
    return PEM_write_PrivateKey(f, server_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }));
  INSPECTSYNC_RETURN_IF_ERROR(WritePem(p.ca_cert, false, [&](FILE* f) { return PEM_write_X509(f, ca.get()); }));
  return WritePem(p.server_cert, false, [&](FILE* f) { return PEM_write_X509(f, server.get()); });
}

Status EnsureDevCerts(const std::string& dir) {
  CertPaths p = CertPaths::In(dir);
  if (access(p.server_cert.c_str(), F_OK) == 0 && access(p.server_key.c_str(), F_OK) == 0) return Status::Ok();
  return InitDevCerts(dir, {}, /*force=*/false);
}

}  // namespace inspectsync::auth
