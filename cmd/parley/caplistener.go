package main

import (
	"net"
	"sync"
)

// capListener closes connections beyond max from one client address as soon
// as they are accepted, so that one address cannot take every connection
// the server can hold (slow bodies, idle keep-alives, many streams).
type capListener struct {
	net.Listener
	max int

	mu    sync.Mutex
	conns map[string]int
}

func newCapListener(ln net.Listener, max int) *capListener {
	return &capListener{Listener: ln, max: max, conns: map[string]int{}}
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host, _, err := net.SplitHostPort(c.RemoteAddr().String())
		if err != nil {
			host = c.RemoteAddr().String()
		}
		l.mu.Lock()
		if l.conns[host] >= l.max {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.conns[host]++
		l.mu.Unlock()
		return &cappedConn{Conn: c, release: func() { l.release(host) }}, nil
	}
}

func (l *capListener) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns[host]--; l.conns[host] <= 0 {
		delete(l.conns, host)
	}
}

// cappedConn gives its place back once, when closed.
type cappedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
