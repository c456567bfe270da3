// Plain-HTTP behaviour of http::Server with real sockets: parsing, keep-alive and pipelining,
// limits and malformed input, timeouts, handler mistakes and lifecycle errors.

#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/subprocess.h"
#include "http/tests/test_client.h"

namespace k1s::http {
namespace {

using testing::EchoHandler;
using testing::RawClient;
using testing::TestServer;

ServerOptions PlainOptions() {
  ServerOptions options;
  options.name = "http-test";
  options.io_threads = 1;
  options.worker_threads = 2;
  return options;
}

nlohmann::json Json(const std::optional<testing::Response>& response) {
  return nlohmann::json::parse(response ? response->body : "null");
}

TEST(ServerTest, DeliversRequestFieldsToTheHandler) {
  TestServer server(PlainOptions(), EchoHandler);
  ASSERT_TRUE(server.start_status().ok()) << server.start_status();
  ASSERT_NE(server.port(), 0);

  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(
      (*client)->Send("POST /api/v1/namespaces/a%20b/pods?q=x%3Dy&watch=1 HTTP/1.1\r\nHost: h\r\n"
                      "x-test: Yes\r\nContent-Length: 5\r\n\r\nhello"));
  auto response = (*client)->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.Get("content-type"), "application/json");
  const auto echo = Json(response);
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["target"], "/api/v1/namespaces/a%20b/pods?q=x%3Dy&watch=1");
  EXPECT_EQ(echo["path"], "/api/v1/namespaces/a b/pods");
  EXPECT_EQ(echo["raw_query"], "q=x%3Dy&watch=1");
  EXPECT_EQ(echo["q"], "x=y");
  EXPECT_EQ(echo["x_test"], "Yes");
  EXPECT_EQ(echo["body"], "hello");
  EXPECT_EQ(echo["version"], 11);
  EXPECT_EQ(echo["tls"], false);
  EXPECT_TRUE(echo["cn"].is_null());
  EXPECT_EQ(echo["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << echo["remote"];
}

TEST(ServerTest, KeepAliveServesSequentialAndPipelinedRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  TestServer server(PlainOptions(), [&](Request request, std::shared_ptr<ResponseWriter> writer) {
    const int call = ++calls;
    // The first request answers late: pipelined requests must still come back in order.
    if (request.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(50));
    writer->Respond(200, {}, request.path + " " + std::to_string(call));
  });
  ASSERT_TRUE(server.start_status().ok()) << server.start_status();
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());

  ASSERT_TRUE((*client)->Send("GET /one HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto first = (*client)->ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->body, "/one 1");
  EXPECT_FALSE(first->headers.Has("Connection"));
  ASSERT_TRUE((*client)->Send("GET /two HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto second = (*client)->ReadResponse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "/two 2");

  ASSERT_TRUE(
      (*client)->Send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"
                      "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"
                      "GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  auto slow = (*client)->ReadResponse();
  auto fast = (*client)->ReadResponse();
  auto last = (*client)->ReadResponse();
  ASSERT_TRUE(slow && fast && last);
  EXPECT_EQ(slow->body, "/slow 3");
  EXPECT_EQ(fast->body, "/fast 4");
  EXPECT_EQ(last->body, "/last 5");
  EXPECT_EQ(last->headers.Get("Connection"), "close");
  EXPECT_TRUE((*client)->ReadUntilClosed());
  client->reset();
  for (int i = 0; i < 200 && server.server().open_connections() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(server.server().open_connections(), 0);
}

TEST(ServerTest, ABlockedHandlerDoesNotStallOtherConnections) {
  absl::Notification release;
  TestServer server(PlainOptions(), [&](Request request, std::shared_ptr<ResponseWriter> writer) {
    if (request.path == "/block") release.WaitForNotificationWithTimeout(absl::Seconds(10));
    writer->Respond(200, {}, request.path);
  });
  ASSERT_TRUE(server.start_status().ok());
  auto blocked = RawClient::Connect(server.port());
  auto other = RawClient::Connect(server.port());
  ASSERT_TRUE(blocked.ok() && other.ok());
  ASSERT_TRUE((*blocked)->Send("GET /block HTTP/1.1\r\nHost: h\r\n\r\n"));
  // One worker is stuck; the single I/O thread and the other worker keep serving.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*other)->Send("GET /quick HTTP/1.1\r\nHost: h\r\n\r\n"));
    auto response = (*other)->ReadResponse(2000);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, "/quick");
  }
  EXPECT_FALSE((*blocked)->ReadSome(0));
  release.Notify();
  auto response = (*blocked)->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "/block");
}

TEST(ServerTest, AClientThatHalfClosesStillGetsItsResponse) {
  absl::Notification half_closed;
  TestServer server(PlainOptions(), [&](Request request, std::shared_ptr<ResponseWriter> writer) {
    half_closed.WaitForNotificationWithTimeout(absl::Seconds(5));
    // Let the end of stream reach the server before answering.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    writer->Respond(200, {}, "still here");
  });
  ASSERT_TRUE(server.start_status().ok());
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_EQ(shutdown((*client)->fd(), SHUT_WR), 0);
  half_closed.Notify();
  auto response = (*client)->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "still here");
  EXPECT_EQ(response->headers.Get("Connection"), "close");
  EXPECT_TRUE((*client)->ReadUntilClosed());
}

TEST(ServerTest, CurlReusesTheConnection) {
  TestServer server(PlainOptions(), EchoHandler);
  ASSERT_TRUE(server.start_status().ok());
  auto result =
      base::RunCommand({"curl", "-sS", "-v", server.Url("/a", false), server.Url("/b", false)},
                       20 * base::kNanosPerSecond);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0) << result->output;
  EXPECT_NE(result->output.find("\"path\":\"/a\""), std::string::npos) << result->output;
  EXPECT_NE(result->output.find("\"path\":\"/b\""), std::string::npos) << result->output;
  EXPECT_NE(result->output.find("Re-using existing connection"), std::string::npos)
      << result->output;
}

TEST(ServerTest, BodyOverTheLimitGets413WithAKubernetesStatus) {
  std::atomic<int> calls{0};
  TestServer server(PlainOptions(), [&](Request, std::shared_ptr<ResponseWriter> writer) {
    ++calls;
    writer->Respond(200, {}, "ok");
  });
  ASSERT_TRUE(server.start_status().ok());
  const std::string big(4 * 1024 * 1024, 'x');

  // Announced by Content-Length, sent at once without waiting for 100-continue: the client
  // still gets the 413 rather than a reset.
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  std::thread sender([&] {
    (*client)->Send(
        absl::StrCat("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: ", big.size(), "\r\n\r\n"));
    (*client)->Send(big);
  });
  auto response = (*client)->ReadResponse();
  sender.join();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->headers.Get("Connection"), "close");
  EXPECT_EQ(response->body,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            "\"message\":\"the request body is larger than the limit of 3145728 bytes\","
            "\"reason\":\"RequestEntityTooLarge\",\"code\":413}");

  // Chunked upload that crosses the limit mid-way.
  auto chunked = RawClient::Connect(server.port());
  ASSERT_TRUE(chunked.ok());
  std::thread chunk_sender([&] {
    (*chunked)->Send("PUT /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string piece(256 * 1024, 'y');
    for (int i = 0; i < 16; ++i) {
      if (!(*chunked)->Send(absl::StrCat("40000\r\n", piece, "\r\n"))) break;
    }
  });
  auto chunked_response = (*chunked)->ReadResponse();
  chunk_sender.join();
  ASSERT_TRUE(chunked_response.has_value());
  EXPECT_EQ(chunked_response->status, 413);

  // curl (which sends Expect: 100-continue for a body this size).
  testing::TempDir dir;
  ASSERT_TRUE(testing::WriteText(dir.File("body"), big));
  auto result = base::RunCommand({"curl", "-sS", "-w", "\n%{http_code}", "--data-binary",
                                  "@" + dir.File("body"), server.Url("/big", false)},
                                 20 * base::kNanosPerSecond);
  ASSERT_TRUE(result.ok());
  EXPECT_NE(result->output.find("\"reason\":\"RequestEntityTooLarge\""), std::string::npos)
      << result->output;
  EXPECT_NE(result->output.find("\n413"), std::string::npos) << result->output;

  // A body of exactly the limit is accepted.
  ASSERT_TRUE(testing::WriteText(dir.File("body"), std::string(3 * 1024 * 1024, 'z')));
  auto fits = base::RunCommand({"curl", "-sS", "-w", "\n%{http_code}", "--data-binary",
                                "@" + dir.File("body"), server.Url("/fits", false)},
                               20 * base::kNanosPerSecond);
  ASSERT_TRUE(fits.ok());
  EXPECT_NE(fits->output.find("ok\n200"), std::string::npos) << fits->output;
  EXPECT_EQ(calls.load(), 1);
}

TEST(ServerTest, MalformedRequestsGet400AndTheServerKeepsServing) {
  TestServer server(PlainOptions(), EchoHandler);
  ASSERT_TRUE(server.start_status().ok());
  const std::vector<std::string> garbage = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET nopath HTTP/1.1\r\nHost: h\r\n\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15),
  };
  for (const std::string& bytes : garbage) {
    auto client = RawClient::Connect(server.port());
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE((*client)->Send(bytes));
    auto response = (*client)->ReadResponse();
    ASSERT_TRUE(response.has_value()) << bytes;
    EXPECT_EQ(response->status, 400) << bytes;
    EXPECT_EQ(Json(response)["reason"], "BadRequest");
    EXPECT_TRUE((*client)->ReadUntilClosed()) << bytes;
  }
  // Oversized header block: 431.
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Send(
      absl::StrCat("GET / HTTP/1.1\r\nX-Big: ", std::string(70 * 1024, 'h'), "\r\n\r\n")));
  auto response = (*client)->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);

  auto result =
      base::RunCommand({"curl", "-sS", server.Url("/still-up", false)}, 20 * base::kNanosPerSecond);
  ASSERT_TRUE(result.ok());
  EXPECT_NE(result->output.find("/still-up"), std::string::npos) << result->output;
}

TEST(ServerTest, SlowAndIdleClientsAreDisconnected) {
  ServerOptions options = PlainOptions();
  options.header_timeout_nanos = 300 * base::kNanosPerMilli;
  options.idle_timeout_nanos = 300 * base::kNanosPerMilli;
  options.body_timeout_nanos = 300 * base::kNanosPerMilli;
  TestServer server(options, EchoHandler);
  ASSERT_TRUE(server.start_status().ok());

  // Connects and says nothing.
  auto silent = RawClient::Connect(server.port());
  // Slowloris: an endless header, one line at a time.
  auto slow_header = RawClient::Connect(server.port());
  // A body that never completes.
  auto slow_body = RawClient::Connect(server.port());
  // A keep-alive connection that goes idle after one request.
  auto idle = RawClient::Connect(server.port());
  ASSERT_TRUE(silent.ok() && slow_header.ok() && slow_body.ok() && idle.ok());
  ASSERT_TRUE((*slow_header)->Send("GET / HTTP/1.1\r\n"));
  ASSERT_TRUE((*slow_body)->Send("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"));
  ASSERT_TRUE((*idle)->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE((*idle)->ReadResponse().has_value());

  const int64_t start = testing::NowMillis();
  for (int i = 0; i < 10 && (*slow_header)->Send("X-Drip: 1\r\n"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE((*silent)->ReadUntilClosed(3000));
  EXPECT_TRUE((*slow_header)->ReadUntilClosed(3000));
  EXPECT_TRUE((*slow_body)->ReadUntilClosed(3000));
  EXPECT_TRUE((*idle)->ReadUntilClosed(3000));
  EXPECT_LT(testing::NowMillis() - start, 2500);
  for (int i = 0; i < 100 && server.server().open_connections() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.server().open_connections(), 0);
}

TEST(ServerTest, HandlerMistakesBecome500) {
  TestServer server(PlainOptions(), [](Request request, std::shared_ptr<ResponseWriter> writer) {
    if (request.path == "/throw") throw std::runtime_error("boom");
    if (request.path == "/twice") {
      EXPECT_TRUE(writer->Respond(201, {}, "first"));
      EXPECT_FALSE(writer->Respond(202, {}, "second"));
      EXPECT_FALSE(writer->StartStream(200, {}));
      EXPECT_FALSE(writer->WriteChunk("x"));
      return;
    }
    // "/silent": returns without answering.
  });
  ASSERT_TRUE(server.start_status().ok());
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  for (const char* path : {"/throw", "/silent", "/twice"}) {
    ASSERT_TRUE((*client)->Send(absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: h\r\n\r\n")));
    auto response = (*client)->ReadResponse();
    ASSERT_TRUE(response.has_value()) << path;
    if (std::string(path) == "/twice") {
      EXPECT_EQ(response->status, 201);
      EXPECT_EQ(response->body, "first");
    } else {
      EXPECT_EQ(response->status, 500) << path;
      EXPECT_EQ(Json(response)["reason"], "InternalError");
    }
  }
}

TEST(ServerTest, HeadAndNoContentResponsesCarryNoBody) {
  TestServer server(PlainOptions(), [](Request request, std::shared_ptr<ResponseWriter> writer) {
    Headers headers{{"X-Kind", "test"}, {"Content-Length", "999"}, {"Bad\r\nName", "x"}};
    writer->Respond(request.path == "/empty" ? 204 : 200, headers, "twelve bytes");
  });
  ASSERT_TRUE(server.start_status().ok());
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(
      (*client)->Send("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n"
                      "GET /empty HTTP/1.1\r\nHost: h\r\n\r\n"
                      "GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
  // The HEAD response announces the length but sends no body, so the next response follows at
  // once; a raw parse would otherwise swallow it.
  ASSERT_TRUE((*client)->ReadUntil("twelve bytes"));
  const std::string& wire = (*client)->data();
  EXPECT_EQ(wire.find("twelve bytes"), wire.rfind("twelve bytes"));
  EXPECT_EQ(wire.find("HTTP/1.1 200 OK\r\nX-Kind: test\r\nContent-Length: 12\r\n\r\n"
                      "HTTP/1.1 204 No Content\r\nX-Kind: test\r\n\r\n"
                      "HTTP/1.1 200 OK\r\nX-Kind: test\r\nContent-Length: 12\r\n\r\ntwelve bytes"),
            0u)
      << wire;
  EXPECT_EQ(wire.find("Bad"), std::string::npos);
}

TEST(ServerTest, Http10GetsAResponseAndTheConnectionCloses) {
  TestServer server(PlainOptions(), [](Request request, std::shared_ptr<ResponseWriter> writer) {
    writer->StartStream(200, {});
    writer->WriteChunk("raw ");
    writer->WriteChunk("bytes");
    writer->EndStream();
  });
  ASSERT_TRUE(server.start_status().ok());
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Send("GET / HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE((*client)->ReadUntilClosed());
  const std::string& wire = (*client)->data();
  EXPECT_EQ(wire, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nraw bytes") << wire;
}

TEST(ServerTest, StartReportsBindAndConfigurationErrors) {
  TestServer first(PlainOptions(), EchoHandler);
  ASSERT_TRUE(first.start_status().ok());

  base::StopSignal stop;
  ServerOptions taken = PlainOptions();
  taken.bind_address = "127.0.0.1";
  taken.port = first.port();
  Server second(taken, EchoHandler);
  absl::Status status = second.Start(stop);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_NE(std::string(status.message()).find(absl::StrCat("127.0.0.1:", first.port())),
            std::string::npos)
      << status;

  ServerOptions bad_address = PlainOptions();
  bad_address.bind_address = "not-an-ip";
  EXPECT_EQ(Server(bad_address, EchoHandler).Start(stop).code(),
            absl::StatusCode::kInvalidArgument);

  ServerOptions missing_cert = PlainOptions();
  missing_cert.tls = TlsFiles{"/nonexistent/cert.pem", "/nonexistent/key.pem", ""};
  absl::Status tls_status = Server(missing_cert, EchoHandler).Start(stop);
  EXPECT_EQ(tls_status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(tls_status.message()).find("/nonexistent/cert.pem"), std::string::npos);

  stop.Stop();
  EXPECT_EQ(Server(PlainOptions(), EchoHandler).Start(stop).code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace k1s::http
