package redisstore

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tests run against a real redis-server: TestMain starts one on a free
// loopback port in a temporary directory (no persistence) and stops it at
// the end; REDIS_ADDR points them at a running server instead. Without
// either, the tests skip, unless the environment variable CI is set: then
// they fail.

// testAddr is the address of the shared server, "" when there is none;
// testSkip says why.
var testAddr, testSkip string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	// go-redis logs every failed dial; the outage test makes many.
	redis.SetLogger(quietLogger{})
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		testAddr = addr
		return m.Run()
	}
	srv, err := startRedis("")
	if err != nil {
		testSkip = err.Error()
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "redisstore: FAIL: %s; CI needs redis-server (apt-get install redis-server)\n", testSkip)
			return 1
		}
		fmt.Fprintf(os.Stderr, "redisstore: SKIP: %s; install redis-server or set REDIS_ADDR to run these tests\n", testSkip)
		// The tests skip one by one; examples cannot, so they do not run.
		flag.Set("test.run", "^Test")
		return m.Run()
	}
	defer srv.stop()
	testAddr = srv.addr
	os.Setenv("REDIS_ADDR", srv.addr) // for the examples
	return m.Run()
}

// needRedis returns a client of the shared server, closed when t ends, or
// skips t (fails it under CI) when there is no server.
func needRedis(t testing.TB) *redis.Client {
	t.Helper()
	if testAddr == "" {
		skipOrFail(t, testSkip)
	}
	rdb := redis.NewClient(&redis.Options{Addr: testAddr, PoolSize: 64})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// needServer starts a redis-server of t's own (stopped when t ends), for
// tests that stop it or configure it, or skips t (fails it under CI).
func needServer(t testing.TB, args ...string) *redisServer {
	t.Helper()
	srv, err := startRedis(t.TempDir(), args...)
	if err != nil {
		skipOrFail(t, err.Error())
	}
	t.Cleanup(srv.stop)
	return srv
}

func skipOrFail(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("no Redis: %s (CI needs redis-server)", reason)
	}
	t.Skipf("no Redis: %s; install redis-server or set REDIS_ADDR", reason)
}

var prefixes atomic.Int64

// testPrefix returns a key prefix no other test uses, so that tests share
// the server without seeing each other's keys.
func testPrefix() string {
	return fmt.Sprintf("test%d-%d:", os.Getpid(), prefixes.Add(1))
}

// redisServer is a redis-server process of the tests.
type redisServer struct {
	addr string
	dir  string
	args []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// startRedis starts redis-server on a free loopback port, in dir (a new
// temporary directory when ""), with args added to its command line.
func startRedis(dir string, args ...string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found in PATH")
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "redisstore-test"); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir}
	s.args = append([]string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", ""}, args...)
	return s, s.start()
}

// start runs the server and returns once it accepts connections.
func (s *redisServer) start() error {
	cmd := exec.Command(s.args[0], s.args[1:]...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = childProcAttr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var log []string
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Ready to accept connections") {
				ready <- nil
				io.Copy(io.Discard, out)
				return
			}
			log = append(log, sc.Text())
		}
		ready <- fmt.Errorf("redis-server exited before it was ready: %s", strings.Join(log, "\n"))
	}()
	done := make(chan struct{})
	select {
	case err = <-ready:
	case <-time.After(20 * time.Second):
		err = errors.New("redis-server not ready after 20s")
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	go func() { cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

// stop kills the server and waits for it to exit.
func (s *redisServer) stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-done
}

// client returns a client of the server, closed when t ends. Its retries
// and timeouts are short, for the outage tests.
func (s *redisServer) client(t testing.TB) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: 1, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
