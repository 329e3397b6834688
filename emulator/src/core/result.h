// A value or an error (an ApiError unless said otherwise): how parsing, validation, storage and
// operations report failure without throwing across layers.
#pragma once

#include <utility>
#include <variant>

#include "core/api_error.h"

namespace bedrock {

template <typename T, typename E = ApiError>
class Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(data_); }
  const T& value() const { return std::get<T>(data_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<E>(data_); }

 private:
  std::variant<T, E> data_;
};

}  // namespace bedrock
