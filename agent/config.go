package agent

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slawatch/slawatch/internal/yamlerr"

	"github.com/slawatch/slawatch/probe"
)

// Limits on a target's schedule.
const (
	// MinInterval is the shortest probe interval: the engine's minute
	// record holds at most 5,000 replies of up to 60 s without its sum of
	// squares overflowing (slawatch.MaxRTTMicros), and 60 s / 5,000 = 12 ms.
	MinInterval = 12 * time.Millisecond
	// MaxInterval is the longest: a series probed less than once a minute
	// would leave minutes unknown.
	MaxInterval = time.Minute
	// MaxTimeout bounds how long a minute stays open for late replies.
	MaxTimeout = 30 * time.Second
	// MaxConfigSize bounds agent.yaml.
	MaxConfigSize = 64 << 20
)

// Config is agent.yaml.
type Config struct {
	File           string      `yaml:"-"`
	Agent          string      `yaml:"agent"`            // this agent's name, e.g. the POP
	ICMPSocket     string      `yaml:"icmp_socket"`      // "" (auto), "raw" or "datagram"
	ICMPSendStamps *bool       `yaml:"icmp_send_stamps"` // time echoes from the kernel's send stamps (SendStamps)
	Defaults       Defaults    `yaml:"defaults"`
	Spool          SpoolConfig `yaml:"spool"`
	Targets        []Target    `yaml:"targets"`
	TargetsCSV     []string    `yaml:"targets_csv"` // files of series,kind,target,interval,timeout
}

// Defaults apply to every target that does not set its own.
type Defaults struct {
	Interval     Duration `yaml:"interval"`      // 1s unless given
	Timeout      Duration `yaml:"timeout"`       // the interval, at most 1s, unless given
	PayloadBytes int      `yaml:"payload_bytes"` // ICMP payload, 64 unless given
}

// SpoolConfig places and bounds the disk spool.
type SpoolConfig struct {
	Dir      string `yaml:"dir"`
	MaxBytes int64  `yaml:"max_bytes"` // 1 GiB unless given
	WhenFull string `yaml:"when_full"` // drop-oldest (default) or drop-newest
}

// Target is one series and how to probe it: exactly one of the kinds.
type Target struct {
	Line     int             `yaml:"-"`
	File     string          `yaml:"-"`
	Series   string          `yaml:"series"`
	Interval Duration        `yaml:"interval"`
	Timeout  Duration        `yaml:"timeout"`
	ICMP     *probe.ICMPSpec `yaml:"icmp"`
	TCP      *probe.TCPSpec  `yaml:"tcp"`
	HTTP     *probe.HTTPSpec `yaml:"http"`
	DNS      *probe.DNSSpec  `yaml:"dns"`
}

// kind names the target's probe kind.
func (t *Target) kind() string {
	switch {
	case t.ICMP != nil:
		return "icmp"
	case t.TCP != nil:
		return "tcp"
	case t.HTTP != nil:
		return "http"
	case t.DNS != nil:
		return "dns"
	}
	return "kind"
}

// Duration reads "1s", "30s", "250ms" from YAML.
type Duration struct{ time.Duration }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as \"1s\" or \"250ms\"", n.Line, n.Value)
	}
	d.Duration = v
	return nil
}

// ConfigError is a problem with one field of agent.yaml or a targets file.
type ConfigError struct {
	File   string
	Line   int
	Series string // the target, when the problem is one target's
	Field  string
	Msg    string
}

func (e *ConfigError) Error() string {
	s := fmt.Sprintf("%s:%d: ", e.File, e.Line)
	if e.Series != "" {
		s += fmt.Sprintf("target %q: ", e.Series)
	}
	return s + e.Field + ": " + e.Msg
}

// LoadConfig reads agent.yaml and the targets files it names, applies
// the defaults and validates every target. It resolves nothing: names are
// resolved when the agent starts.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ParseConfig(io.LimitReader(f, MaxConfigSize+1), path)
	if err != nil {
		return nil, err
	}
	if c.Spool.Dir != "" {
		c.Spool.Dir = besideConfig(path, c.Spool.Dir)
	}
	for _, tf := range c.TargetsCSV {
		tf = besideConfig(path, tf)
		ts, err := LoadTargetsCSV(tf)
		if err != nil {
			return nil, err
		}
		c.Targets = append(c.Targets, ts...)
	}
	return c, c.Validate()
}

// besideConfig resolves a relative path in agent.yaml against the
// file's directory, not the directory the agent happens to start in.
func besideConfig(config, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(config), p)
}

// ParseConfig decodes agent.yaml strictly (unknown fields are errors).
func ParseConfig(r io.Reader, file string) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, MaxConfigSize)
	}
	c := &Config{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty configuration", file)
		}
		return nil, yamlerr.Wrap(file, err, c)
	}
	c.lines(data)
	return c, nil
}

// lines sets each target's line from a second pass over the nodes (a
// custom unmarshaler would lose the decoder's KnownFields check).
func (c *Config) lines(data []byte) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "targets" {
			continue
		}
		for j, n := range root.Content[i+1].Content {
			if j < len(c.Targets) {
				c.Targets[j].Line, c.Targets[j].File = n.Line, c.File
			}
		}
	}
}

// Validate applies defaults and checks every field; the first problem is
// returned.
func (c *Config) Validate() error {
	if err := c.validateHeader(); err != nil {
		return err
	}
	seen := make(map[string]*Target, len(c.Targets))
	for i := range c.Targets {
		t := &c.Targets[i]
		if prev, dup := seen[t.Series]; dup && t.Series != "" {
			return t.errorf("series", "duplicate series name (first at %s:%d)", prev.File, prev.Line)
		}
		seen[t.Series] = t
		if err := c.validateTarget(t); err != nil {
			return err
		}
	}
	if len(c.Targets) == 0 {
		return &ConfigError{File: c.File, Line: 1, Field: "targets", Msg: "no target to probe"}
	}
	return nil
}

// SendStamps reports whether echoes are timed from the kernel's stamps
// of their requests leaving the device, where the kernel gives them,
// rather than from just before the system call that sent them:
// icmp_send_stamps, true unless given.
func (c *Config) SendStamps() bool { return c.ICMPSendStamps == nil || *c.ICMPSendStamps }

// ProbesPerSecond is how many probes a second the validated targets ask
// for: the sum of one over each target's interval.
func (c *Config) ProbesPerSecond() float64 {
	rate := 0.0
	for i := range c.Targets {
		rate += float64(time.Second) / float64(c.Targets[i].Interval.Duration)
	}
	return rate
}

func (c *Config) validateHeader() error {
	fail := func(field, format string, args ...any) error {
		return &ConfigError{File: c.File, Line: 1, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch c.ICMPSocket {
	case probe.SocketAuto, probe.SocketRaw, probe.SocketDatagram:
	default:
		return fail("icmp_socket", "%q is not raw or datagram (leave it out to try raw, then datagram)", c.ICMPSocket)
	}
	if c.Defaults.Interval.Duration == 0 {
		c.Defaults.Interval.Duration = time.Second
	}
	if err := checkSchedule(c.Defaults.Interval.Duration, c.Defaults.Timeout.Duration); err != "" {
		return fail("defaults", "%s", err)
	}
	if c.Defaults.PayloadBytes == 0 {
		c.Defaults.PayloadBytes = probe.DefaultPayloadBytes
	}
	if err := (probe.ICMPSpec{Host: "-", PayloadBytes: c.Defaults.PayloadBytes}).Validate(); err != nil {
		return fail("defaults", "%v", err)
	}
	if c.Spool.MaxBytes < 0 {
		return fail("spool.max_bytes", "must not be negative")
	}
	switch c.Spool.WhenFull {
	case "", "drop-oldest", "drop-newest":
	default:
		return fail("spool.when_full", "%q is not drop-oldest or drop-newest", c.Spool.WhenFull)
	}
	return nil
}

// validateTarget fills in the target's defaults and checks it.
func (c *Config) validateTarget(t *Target) error {
	if t.Series == "" {
		return t.errorf("series", "missing")
	}
	if len(t.Series) > 256 {
		return t.errorf("series", "longer than 256 bytes")
	}
	if t.Interval.Duration == 0 {
		t.Interval = c.Defaults.Interval
	}
	if t.Timeout.Duration == 0 {
		t.Timeout = c.Defaults.Timeout
		if t.Timeout.Duration == 0 || t.Timeout.Duration > t.Interval.Duration {
			t.Timeout.Duration = min(t.Interval.Duration, time.Second)
		}
	}
	if msg := checkSchedule(t.Interval.Duration, t.Timeout.Duration); msg != "" {
		return t.errorf("interval", "%s", msg)
	}
	return c.validateKind(t)
}

// validateKind checks that exactly one probe kind is given, and checks it.
func (c *Config) validateKind(t *Target) error {
	n := 0
	var err error
	if t.ICMP != nil {
		n++
		if t.ICMP.PayloadBytes == 0 {
			t.ICMP.PayloadBytes = c.Defaults.PayloadBytes
		}
		err = wrapKind("icmp", t.ICMP.Validate())
	}
	if t.TCP != nil {
		n++
		err = wrapKind("tcp", t.TCP.Validate())
	}
	if t.HTTP != nil {
		n++
		err = wrapKind("http", t.HTTP.Validate())
	}
	if t.DNS != nil {
		n++
		err = wrapKind("dns", t.DNS.Validate())
	}
	if n != 1 {
		return t.errorf("kind", "give exactly one of icmp, tcp, http, dns")
	}
	if err != nil {
		return t.errorf("", "%v", err)
	}
	return nil
}

func wrapKind(kind string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s.%w", kind, err)
}

// checkSchedule explains what is wrong with an interval and timeout, or
// returns "".
func checkSchedule(interval, timeout time.Duration) string {
	switch {
	case interval < MinInterval:
		return fmt.Sprintf("interval %v is below %v: a minute record holds at most %d probes", interval, MinInterval, int(time.Minute/MinInterval))
	case interval > MaxInterval:
		return fmt.Sprintf("interval %v is above %v: minutes without a probe would be unknown", interval, MaxInterval)
	case timeout < 0:
		return fmt.Sprintf("timeout %v is negative", timeout)
	case timeout > interval:
		return fmt.Sprintf("timeout %v is longer than the interval %v", timeout, interval)
	case timeout > MaxTimeout:
		return fmt.Sprintf("timeout %v is above %v", timeout, MaxTimeout)
	}
	return ""
}

func (t *Target) errorf(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if field == "" { // the message starts with the field: "icmp.host: missing"
		if f, m, ok := strings.Cut(msg, ": "); ok {
			field, msg = f, m
		}
	}
	return &ConfigError{File: t.File, Line: t.Line, Series: t.Series, Field: field, Msg: msg}
}
