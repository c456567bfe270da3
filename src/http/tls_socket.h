#pragma once
// Internal to k1s::http (included by server.cc only; it pulls in Asio).
//
// A server-side TLS stream that drives OpenSSL directly on a non-blocking TCP socket: the SSL
// object reads and writes the file descriptor itself and the stream waits for readiness with
// Asio. Compared with asio::ssl::stream, which keeps two 17 KiB staging buffers per stream plus
// an OpenSSL BIO pair with two more, an idle connection here holds only the SSL object (record
// buffers are released between reads with SSL_MODE_RELEASE_BUFFERS): thousands of idle watch
// connections cost a few KiB each instead of about 75 KiB.
//
// Models Asio's AsyncReadStream and AsyncWriteStream, so Beast's parser and asio::async_write
// work on it. Not thread-safe: use it from one strand; one read and one write may be
// outstanding at a time (both run on that strand, so OpenSSL never sees concurrent calls).

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace k1s::http::internal {

// A socket BIO that sends with MSG_NOSIGNAL: OpenSSL's own socket BIO uses write(), which
// raises SIGPIPE when the peer has gone.
class NoSignalSocketBio {
 public:
  static BIO* New(int fd) {
    BIO* bio = BIO_new(Method());
    if (bio == nullptr) return nullptr;
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
    BIO_set_init(bio, 1);
    return bio;
  }

 private:
  static const BIO_METHOD* Method() {
    static BIO_METHOD* method = [] {
      BIO_METHOD* created =
          BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "k1s no-SIGPIPE socket");
      if (created != nullptr) {
        BIO_meth_set_write(created, &Write);
        BIO_meth_set_read(created, &Read);
        BIO_meth_set_ctrl(created, &Control);
      }
      return created;
    }();
    return method;
  }

  static int Fd(BIO* bio) {
    return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
  }

  static bool Retryable(int error) {
    return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
  }

  static int Write(BIO* bio, const char* data, int length) {
    BIO_clear_retry_flags(bio);
    const ssize_t sent = ::send(Fd(bio), data, static_cast<size_t>(length), MSG_NOSIGNAL);
    if (sent < 0 && Retryable(errno)) BIO_set_retry_write(bio);
    return static_cast<int>(sent);
  }

  static int Read(BIO* bio, char* data, int length) {
    BIO_clear_retry_flags(bio);
    const ssize_t received = ::recv(Fd(bio), data, static_cast<size_t>(length), 0);
    if (received < 0 && Retryable(errno)) BIO_set_retry_read(bio);
    return static_cast<int>(received);
  }

  static long Control(BIO*, int command, long, void*) {  // NOLINT(runtime/int)
    return command == BIO_CTRL_FLUSH ? 1 : 0;
  }
};

class TlsSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using ErrorCode = boost::system::error_code;

  // Takes the accepted socket; `context` must outlive the stream (it is reference counted by
  // OpenSSL, so it does). ok() is false when OpenSSL could not allocate the session.
  TlsSocket(boost::asio::ip::tcp::socket socket, SSL_CTX* context)
      : socket_(std::move(socket)), ssl_(SSL_new(context)) {
    ErrorCode ignored;
    socket_.non_blocking(true, ignored);
    if (ssl_ == nullptr) return;
    BIO* bio = NoSignalSocketBio::New(static_cast<int>(socket_.native_handle()));
    if (bio == nullptr) {
      SSL_free(ssl_);
      ssl_ = nullptr;
      return;
    }
    SSL_set_bio(ssl_, bio, bio);  // the SSL owns the BIO (one reference for both directions)
    SSL_set_accept_state(ssl_);
  }
  ~TlsSocket() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  bool ok() const { return ssl_ != nullptr; }
  executor_type get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& next_layer() { return socket_; }
  SSL* native_handle() { return ssl_; }

  template <class Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_compose<Token, void(ErrorCode)>(
        Op<Handshake, false>{this, Handshake{}}, token, socket_);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    const boost::asio::mutable_buffer buffer = First(buffers);
    return boost::asio::async_compose<Token, void(ErrorCode, std::size_t)>(
        Op<Read, true>{this, Read{buffer}}, token, socket_);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    const boost::asio::const_buffer buffer = First(buffers);
    return boost::asio::async_compose<Token, void(ErrorCode, std::size_t)>(
        Op<Write, true>{this, Write{buffer}}, token, socket_);
  }

 private:
  // Result of one attempt of an OpenSSL call.
  enum class Step { kDone, kWantRead, kWantWrite, kFailed };

  // The first non-empty buffer of a sequence (read_some/write_some may move fewer bytes than
  // offered, so one buffer per call is enough).
  template <class Buffers>
  static auto First(const Buffers& buffers) {
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    using Buffer = std::decay_t<decltype(*it)>;
    for (; it != end; ++it) {
      if (Buffer(*it).size() > 0) return Buffer(*it);
    }
    return Buffer();
  }

  // Maps the outcome of an SSL call that returned `result` <= 0.
  Step Classify(int result, ErrorCode& ec) {
    const int error = SSL_get_error(ssl_, result);
    switch (error) {
      case SSL_ERROR_WANT_READ:
        return Step::kWantRead;
      case SSL_ERROR_WANT_WRITE:
        return Step::kWantWrite;
      case SSL_ERROR_ZERO_RETURN:
        ec = boost::asio::error::eof;
        return Step::kFailed;
      case SSL_ERROR_SYSCALL: {
        const int saved_errno = errno;
        ec = saved_errno != 0 ? ErrorCode(saved_errno, boost::system::system_category())
                              : ErrorCode(boost::asio::error::eof);
        return Step::kFailed;
      }
      default: {
        const unsigned long code = ERR_get_error();  // NOLINT(runtime/int)
        ec = code != 0 ? ErrorCode(static_cast<int>(code), boost::asio::error::get_ssl_category())
                       : ErrorCode(boost::asio::error::connection_aborted);
        return Step::kFailed;
      }
    }
  }

  struct Handshake {
    std::size_t Attempt(TlsSocket& stream, ErrorCode& ec, Step& step) {
      ERR_clear_error();
      errno = 0;
      const int result = SSL_do_handshake(stream.ssl_);
      step = result == 1 ? Step::kDone : stream.Classify(result, ec);
      return 0;
    }
  };

  struct Read {
    boost::asio::mutable_buffer buffer;
    std::size_t Attempt(TlsSocket& stream, ErrorCode& ec, Step& step) {
      if (buffer.size() == 0) {
        step = Step::kDone;
        return 0;
      }
      ERR_clear_error();
      errno = 0;
      std::size_t transferred = 0;
      const int result = SSL_read_ex(stream.ssl_, buffer.data(), buffer.size(), &transferred);
      step = result == 1 ? Step::kDone : stream.Classify(result, ec);
      return transferred;
    }
  };

  struct Write {
    boost::asio::const_buffer buffer;
    std::size_t Attempt(TlsSocket& stream, ErrorCode& ec, Step& step) {
      if (buffer.size() == 0) {
        step = Step::kDone;
        return 0;
      }
      ERR_clear_error();
      errno = 0;
      std::size_t transferred = 0;
      // A retried write after WANT_WRITE passes the same buffer, as OpenSSL requires.
      const int result = SSL_write_ex(stream.ssl_, buffer.data(), buffer.size(), &transferred);
      step = result == 1 ? Step::kDone : stream.Classify(result, ec);
      return transferred;
    }
  };

  // One composed operation: attempt, wait for readiness as OpenSSL asks, attempt again. A result
  // available at once is delivered through a post so no handler runs inside its initiation.
  template <class Action, bool kWithSize>
  struct Op {
    TlsSocket* stream;
    Action action;
    bool started = false;
    bool finished = false;
    ErrorCode result_ec{};
    std::size_t result_size = 0;

    template <class Self>
    void operator()(Self& self, ErrorCode wait_ec = {}) {
      if (finished) {
        Complete(self);
        return;
      }
      const bool first = !started;
      started = true;
      if (wait_ec) {
        result_ec = wait_ec;
        Complete(self);
        return;
      }
      if (stream->ssl_ == nullptr) {
        result_ec = boost::asio::error::no_memory;
      } else {
        Step step = Step::kDone;
        result_size = action.Attempt(*stream, result_ec, step);
        if (step == Step::kWantRead || step == Step::kWantWrite) {
          stream->socket_.async_wait(step == Step::kWantRead
                                         ? boost::asio::ip::tcp::socket::wait_read
                                         : boost::asio::ip::tcp::socket::wait_write,
                                     std::move(self));
          return;
        }
      }
      if (first) {
        finished = true;
        boost::asio::post(std::move(self));
        return;
      }
      Complete(self);
    }

    template <class Self>
    void Complete(Self& self) {
      if constexpr (kWithSize) {
        self.complete(result_ec, result_ec ? std::size_t{0} : result_size);
      } else {
        self.complete(result_ec);
      }
    }
  };

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_;
};

}  // namespace k1s::http::internal
