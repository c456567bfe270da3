#include "base/status.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace k1s::base {
namespace {

absl::StatusOr<int> Half(int value) {
  if (value % 2 != 0) return absl::InvalidArgumentError("odd value");
  return value / 2;
}

absl::StatusOr<int> Quarter(int value) {
  K1S_ASSIGN_OR_RETURN(int half, Half(value));
  K1S_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int value) {
  K1S_RETURN_IF_ERROR(Half(value).status());
  return absl::OkStatus();
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  absl::Status status = WithContext(absl::NotFoundError("no such key"), "open datastore");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "open datastore: no such key");
  EXPECT_TRUE(WithContext(absl::OkStatus(), "ignored").ok());
}

TEST(StatusTest, AssignOrReturnPropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd value");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusTest, ErrnoStatusMapsCommonErrors) {
  EXPECT_EQ(ErrnoStatus("open /x", ENOENT).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus("open /x", EACCES).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus("open /x", EIO).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ErrnoStatus("open /x", ENOENT).message(), "open /x: No such file or directory");
}

}  // namespace
}  // namespace k1s::base
