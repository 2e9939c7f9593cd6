// Package postgrestest starts a throwaway PostgreSQL cluster for tests, in a
// temporary folder, with initdb and pg_ctl from Debian's postgresql package.
// Tests skip when PostgreSQL is not installed, unless PARLEY_REQUIRE_POSTGRES
// is set, in which case they fail.
package postgrestest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Cluster is a running throwaway cluster.
type Cluster struct {
	dir, bin, port string
	asRoot         bool
	err            error // why no cluster is running
	n              atomic.Int64
}

// Start starts a cluster. It never fails: when PostgreSQL is missing or
// will not start, the error is kept and reported by NewDatabase, which skips
// or fails the test.
func Start() *Cluster {
	c := &Cluster{}
	c.err = c.start()
	return c
}

func (c *Cluster) start() error {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		p, err := exec.LookPath("initdb")
		if err != nil {
			return fmt.Errorf("PostgreSQL is not installed (no initdb)")
		}
		bins = []string{p}
	}
	c.bin = filepath.Dir(bins[len(bins)-1])
	u, err := user.Current()
	if err != nil {
		return err
	}
	c.asRoot = u.Uid == "0"
	if c.dir, err = os.MkdirTemp("", "parley-pg-"); err != nil {
		return err
	}
	if err := os.Chmod(c.dir, 0o755); err != nil {
		return err
	}
	if c.asRoot {
		// PostgreSQL refuses to run as root.
		pg, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("no postgres user to run the cluster as: %w", err)
		}
		if out, err := exec.Command("chown", pg.Uid+":"+pg.Gid, c.dir).CombinedOutput(); err != nil {
			return fmt.Errorf("chown: %v: %s", err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	c.port = fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	data := filepath.Join(c.dir, "data")
	if out, err := c.cmd("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-k %s -p %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200", c.dir, c.port)
	if out, err := c.cmd("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(c.dir, "log"), "-w", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	return nil
}

func (c *Cluster) cmd(name string, args ...string) *exec.Cmd {
	p := filepath.Join(c.bin, name)
	if c.asRoot {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", p}, args...)...)
	}
	return exec.Command(p, args...)
}

// Stop stops the cluster and removes its folder.
func (c *Cluster) Stop() {
	if c.dir == "" {
		return
	}
	if c.err == nil {
		c.cmd("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	}
	os.RemoveAll(c.dir)
}

// URL returns the connection string of database name.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%s/%s?sslmode=disable", c.port, name)
}

// NewDatabase creates an empty database and returns its URL. It skips tb when
// there is no cluster, or fails it when PARLEY_REQUIRE_POSTGRES is set.
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	if c.err != nil {
		if os.Getenv("PARLEY_REQUIRE_POSTGRES") != "" {
			tb.Fatalf("PostgreSQL required: %v", c.err)
		}
		tb.Skipf("skipping: %v", c.err)
	}
	name := fmt.Sprintf("t%d", c.n.Add(1))
	pool, err := pgxpool.New(context.Background(), c.URL("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer func() { db.Close(); pool.Close() }()
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		tb.Fatal(err)
	}
	return c.URL(name)
}

// Restart stops the cluster as a crash would (pg_ctl -m immediate) and
// starts it again on the same port.
func (c *Cluster) Restart() error {
	if c.err != nil {
		return c.err
	}
	if out, err := c.cmd("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-l", filepath.Join(c.dir, "log"), "-m", "immediate", "-w", "restart").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl restart: %v: %s", err, out)
	}
	return nil
}

// Freeze stops every process of the cluster with SIGSTOP: connections stay
// open and nothing answers, as with a hung server or a lost network.
func (c *Cluster) Freeze() error { return c.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen cluster.
func (c *Cluster) Thaw() error { return c.signal(syscall.SIGCONT) }

// signal sends sig to the postmaster and every process it started.
func (c *Cluster) signal(sig syscall.Signal) error {
	pids, err := c.processes()
	if err != nil {
		return err
	}
	for k, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil && k == 0 {
			return err
		}
	}
	return nil
}

// processes returns the postmaster's pid, then those of the processes it
// started, with the fields of each one's /proc stat after its command.
func (c *Cluster) processes() ([]int, error) {
	ps, err := c.stats()
	if err != nil {
		return nil, err
	}
	pids := make([]int, len(ps))
	for k, p := range ps {
		pids[k] = p.pid
	}
	return pids, nil
}

type procStat struct {
	pid    int
	fields []string // after "pid (comm) ": state ppid …
}

func (c *Cluster) stats() ([]procStat, error) {
	if c.err != nil {
		return nil, c.err
	}
	b, err := os.ReadFile(filepath.Join(c.dir, "data", "postmaster.pid"))
	if err != nil {
		return nil, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return nil, fmt.Errorf("postmaster.pid: %q", first)
	}
	var out []procStat
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so split after ")".
		_, rest, ok := strings.Cut(string(b), ") ")
		f := strings.Fields(rest)
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(st)))
		if !ok || len(f) < 15 || err != nil {
			continue
		}
		switch {
		case pid == pm:
			out = append([]procStat{{pid, f}}, out...)
		case f[1] == strconv.Itoa(pm):
			out = append(out, procStat{pid, f})
		}
	}
	if len(out) == 0 || out[0].pid != pm {
		return nil, fmt.Errorf("no postmaster %d", pm)
	}
	return out, nil
}

// CPUTime is the CPU time the cluster's processes have used, user and
// system, those of ended connections included: the server's side of a
// benchmark. It counts in clock ticks (10 ms); 0 when it cannot tell.
func (c *Cluster) CPUTime() time.Duration {
	ps, err := c.stats()
	if err != nil {
		return 0
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	var ticks int64
	for k, p := range ps {
		fields := p.fields[11:13] // utime, stime
		if k == 0 {
			fields = p.fields[11:15] // and the ended children's, cutime, cstime
		}
		for _, f := range fields {
			n, _ := strconv.ParseInt(f, 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * tick
}
