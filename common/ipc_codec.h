// The little-endian builder and the strict reader behind every payload
// (ipc_messages.cpp, executor_setup.cpp).
#pragma once
#include <cstdint>
#include <string>

namespace ipc {

class Builder {
public:
    Builder &u8(uint8_t v) { return le(v, 1); }
    Builder &u16(uint16_t v) { return le(v, 2); }
    Builder &u32(uint32_t v) { return le(v, 4); }
    Builder &u64(uint64_t v) { return le(v, 8); }
    Builder &str(const std::string &s) {
        u32(static_cast<uint32_t>(s.size()));
        out_ += s;
        return *this;
    }
    std::string take() { return std::move(out_); }

private:
    Builder &le(uint64_t v, int n) {
        for (int i = 0; i < n; i++) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
        return *this;
    }
    std::string out_;
};

// Every getter leaves the reader failed once anything is short; finish()
// also demands that nothing is left over.
class Reader {
public:
    explicit Reader(const std::string &p) : p_(p) {}
    uint8_t u8() { return static_cast<uint8_t>(le(1)); }
    uint16_t u16() { return static_cast<uint16_t>(le(2)); }
    uint32_t u32() { return static_cast<uint32_t>(le(4)); }
    uint64_t u64() { return le(8); }
    std::string str() {
        uint32_t n = u32();
        if (!ok_ || n > p_.size() - pos_) {
            ok_ = false;
            return {};
        }
        std::string s = p_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    // A string of at most max bytes; longer fails the reader.
    std::string str(uint32_t max) {
        std::string s = str();
        if (s.size() > max) ok_ = false;
        return s;
    }
    bool ok() const { return ok_; }
    bool finish() const { return ok_ && pos_ == p_.size(); }

private:
    uint64_t le(size_t n) {
        if (!ok_ || p_.size() - pos_ < n) {
            ok_ = false;
            return 0;
        }
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) v |= static_cast<uint64_t>(static_cast<unsigned char>(p_[pos_ + i])) << (8 * i);
        pos_ += n;
        return v;
    }
    const std::string &p_;
    size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace ipc
