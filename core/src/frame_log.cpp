#include "pmap/frame_log.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <utility>

#include "pmap/limits.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap {
namespace {

// The smallest possible record: a 1x1 uint8 frame.
constexpr std::size_t kMinFrameBytes = kBinaryHeaderSize + 1 + kCrcSize;

void put_u16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value & 0xFF));
  out.push_back(static_cast<char>(value >> 8));
}

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

std::uint32_t get_u32(const unsigned char* bytes) {
  return std::uint32_t{bytes[0]} | std::uint32_t{bytes[1]} << 8 | std::uint32_t{bytes[2]} << 16 |
         std::uint32_t{bytes[3]} << 24;
}

void put_u64(std::string& out, std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

std::uint64_t get_u64(const unsigned char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | bytes[i];
  return value;
}

// Annotation flags of a version-2 record.
constexpr std::uint8_t kAnnotationApplied = 0x01;

bool valid_applied(double mmhg) {
  return std::isfinite(mmhg) && std::fabs(mmhg) <= kFrameLogMaxAppliedMmhg;
}

std::uint16_t get_u16(const unsigned char* bytes) {
  return static_cast<std::uint16_t>(bytes[0] | bytes[1] << 8);
}

// Reads exactly `size` bytes; false on a short read.
bool read_exact(std::ifstream& in, void* into, std::size_t size) {
  in.read(static_cast<char*>(into), static_cast<std::streamsize>(size));
  return static_cast<std::size_t>(in.gcount()) == size;
}

}  // namespace

FrameLogWriter::FrameLogWriter(std::ofstream out, MatDescriptor mat, std::uint64_t offset,
                               std::uint16_t version)
    : out_(std::move(out)), mat_(std::move(mat)), version_(version), offset_(offset) {}

std::variant<FrameLogWriter, FrameLogError> FrameLogWriter::create(
    const std::filesystem::path& path, const MatDescriptor& mat, std::uint16_t version) {
  if (version != kFrameLogVersion && version != kFrameLogVersionAnnotated) {
    return FrameLogError{"unsupported frame-log version " + std::to_string(version), 0};
  }
  if (!is_valid_mat_id(mat.id)) return FrameLogError{"invalid mat id '" + mat.id + "'", 0};
  const std::string meta = to_meta_json(mat);
  if (meta.size() > kMaxMetaBytes) return FrameLogError{"meta document larger than 8 KiB", 0};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return FrameLogError{"cannot create " + path.string(), 0};
  std::string header(kFrameLogMagic.begin(), kFrameLogMagic.end());
  put_u16(header, version);
  put_u16(header, static_cast<std::uint16_t>(mat.id.size()));
  put_u32(header, static_cast<std::uint32_t>(meta.size()));
  header += mat.id;
  header += meta;
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  if (!out) return FrameLogError{"cannot write header to " + path.string(), 0};
  return FrameLogWriter(std::move(out), mat, header.size(), version);
}

std::optional<FrameLogError> FrameLogWriter::append(const PressureFrame& frame,
                                                    const FrameAnnotation& annotation) {
  if (frame.rows != mat_.rows || frame.cols != mat_.cols || frame.encoding != mat_.encoding ||
      !frame.well_formed()) {
    return FrameLogError{"frame shape or encoding differs from the mat's meta", offset_};
  }
  if (version_ == kFrameLogVersion && annotation != FrameAnnotation{}) {
    return FrameLogError{"a version-1 frame log cannot carry annotations (create version 2)",
                         offset_};
  }
  if (annotation.applied_mmhg && !valid_applied(*annotation.applied_mmhg)) {
    return FrameLogError{"applied pressure must be finite and within +-1e6 mmHg", offset_};
  }
  const std::vector<std::uint8_t> bytes = encode_binary(frame);
  std::string length;
  put_u32(length, static_cast<std::uint32_t>(bytes.size()));
  std::string trailer;
  if (version_ == kFrameLogVersionAnnotated) {
    trailer.push_back(static_cast<char>(annotation.applied_mmhg ? kAnnotationApplied : 0));
    if (annotation.applied_mmhg) {
      put_u64(trailer, std::bit_cast<std::uint64_t>(*annotation.applied_mmhg));
    }
  }
  out_.write(length.data(), static_cast<std::streamsize>(length.size()));
  out_.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  out_.write(trailer.data(), static_cast<std::streamsize>(trailer.size()));
  if (!out_) return FrameLogError{"write failed", offset_};
  offset_ += length.size() + bytes.size() + trailer.size();
  ++frames_written_;
  return std::nullopt;
}

std::optional<FrameLogError> FrameLogWriter::close() {
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) return FrameLogError{"flush failed", offset_};
  return std::nullopt;
}

FrameLogReader::FrameLogReader(std::ifstream in, MatDescriptor mat, std::string meta_json,
                               std::uint64_t offset, std::uint16_t version)
    : in_(std::move(in)),
      mat_(std::move(mat)),
      meta_json_(std::move(meta_json)),
      version_(version),
      offset_(offset) {}

std::variant<FrameLogReader, FrameLogError> FrameLogReader::open(
    const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FrameLogError{"cannot open " + path.string(), 0};
  unsigned char fixed[kFrameLogFixedHeaderSize];
  if (!read_exact(in, fixed, sizeof fixed)) return FrameLogError{"file shorter than the header", 0};
  if (std::memcmp(fixed, kFrameLogMagic.data(), kFrameLogMagic.size()) != 0) {
    return FrameLogError{"not a frame log (bad magic)", 0};
  }
  const std::uint16_t version = get_u16(fixed + 8);
  if (version != kFrameLogVersion && version != kFrameLogVersionAnnotated) {
    return FrameLogError{"unsupported frame-log version " + std::to_string(version), 8};
  }
  const std::uint16_t id_length = get_u16(fixed + 10);
  const std::uint32_t meta_length = get_u32(fixed + 12);
  if (id_length == 0 || id_length > kMaxMatIdLength) {
    return FrameLogError{"mat id length " + std::to_string(id_length) + " out of range", 10};
  }
  if (meta_length == 0 || meta_length > kMaxMetaBytes) {
    return FrameLogError{"meta length " + std::to_string(meta_length) + " out of range", 12};
  }
  std::string mat_id(id_length, '\0');
  if (!read_exact(in, mat_id.data(), id_length)) {
    return FrameLogError{"file ends inside the mat id", kFrameLogFixedHeaderSize};
  }
  if (!is_valid_mat_id(mat_id)) return FrameLogError{"invalid mat id", kFrameLogFixedHeaderSize};
  std::string meta(meta_length, '\0');
  const std::uint64_t meta_offset = kFrameLogFixedHeaderSize + id_length;
  if (!read_exact(in, meta.data(), meta_length)) {
    return FrameLogError{"file ends inside the meta document", meta_offset};
  }
  MetaParseResult parsed = parse_meta(mat_id, meta);
  if (!parsed.ok()) return FrameLogError{"invalid meta: " + parsed.error, meta_offset};
  parsed.descriptor->id = mat_id;
  return FrameLogReader(std::move(in), std::move(*parsed.descriptor), std::move(meta),
                        meta_offset + meta_length, version);
}

FrameLogRecord FrameLogReader::next() {
  annotation_ = FrameAnnotation{};
  if (final_) return *final_;
  auto fail = [this](std::string message, std::uint64_t at) -> FrameLogRecord {
    final_ = FrameLogError{std::move(message), at};
    return *final_;
  };
  unsigned char length_bytes[4];
  in_.read(reinterpret_cast<char*>(length_bytes), 4);
  const auto got = static_cast<std::size_t>(in_.gcount());
  if (got == 0) {
    final_ = FrameLogEnd{};
    return *final_;
  }
  if (got != 4) return fail("file ends inside a record length", offset_);
  const std::uint32_t length = get_u32(length_bytes);
  if (length < kMinFrameBytes || length > kMaxBinaryFrameBytes) {
    return fail("record length " + std::to_string(length) + " out of range", offset_);
  }
  std::vector<std::uint8_t> bytes(length);
  if (!read_exact(in_, bytes.data(), length)) return fail("file ends inside a frame", offset_ + 4);
  DecodeResult decoded = decode_frame(std::span<const std::uint8_t>(bytes));
  if (const auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    return fail("bad frame (" + std::string(reason_name(failure->error)) + "): " + failure->detail,
                offset_ + 4);
  }
  auto& frame = std::get<PressureFrame>(decoded);
  if (frame.rows != mat_.rows || frame.cols != mat_.cols || frame.encoding != mat_.encoding) {
    return fail("frame shape or encoding differs from the meta", offset_ + 4);
  }
  for (const std::uint16_t value : frame.values) {
    if (value > mat_.full_scale_counts) {
      return fail("taxel value above full_scale_counts", offset_ + 4);
    }
  }
  std::uint64_t record_end = offset_ + 4 + length;
  FrameAnnotation annotation;
  if (version_ == kFrameLogVersionAnnotated) {
    unsigned char flags = 0;
    if (!read_exact(in_, &flags, 1))
      return fail("file ends before a frame's annotation", record_end);
    if ((flags & ~kAnnotationApplied) != 0) {
      return fail("unknown annotation flags " + std::to_string(flags), record_end);
    }
    if (flags & kAnnotationApplied) {
      unsigned char value[8];
      if (!read_exact(in_, value, sizeof value)) {
        return fail("file ends inside a frame's applied pressure", record_end + 1);
      }
      const double applied = std::bit_cast<double>(get_u64(value));
      if (!valid_applied(applied)) {
        return fail("applied pressure not finite or beyond +-1e6 mmHg", record_end + 1);
      }
      annotation.applied_mmhg = applied;
      record_end += sizeof value;
    }
    record_end += 1;
  }
  offset_ = record_end;
  annotation_ = annotation;
  return std::move(frame);
}

std::variant<FrameLogContents, FrameLogError> read_frame_log(const std::filesystem::path& path) {
  auto opened = FrameLogReader::open(path);
  if (auto* error = std::get_if<FrameLogError>(&opened)) return std::move(*error);
  auto& reader = std::get<FrameLogReader>(opened);
  FrameLogContents contents{reader.mat(), {}, {}, reader.version()};
  while (true) {
    FrameLogRecord record = reader.next();
    if (std::holds_alternative<FrameLogEnd>(record)) return contents;
    if (auto* error = std::get_if<FrameLogError>(&record)) return std::move(*error);
    contents.frames.push_back(std::move(std::get<PressureFrame>(record)));
    contents.annotations.push_back(reader.annotation());
  }
}

}  // namespace pmap
