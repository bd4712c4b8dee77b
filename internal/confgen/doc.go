// Package confgen reads configuration files in the format of Perl's
// Config::General, as python-simplevisor and stompclt use it, so that
// `bricks import` can turn them into bricks trees.
//
// The syntax it accepts, with Config::General's default options:
//
//	# a comment; \# is a literal #; with Options.CComments, /* C comments */ too
//	key value                 # or key = value; the key ends at the first blank or =
//	key = "quoted value "     # surrounding double quotes are removed
//	long = first part \
//	       second part        # a trailing \ joins the next line (leading blanks dropped)
//	text = <<EOT              # a here-doc, up to a line holding only EOT, whose
//	  line one                  indentation is removed from every line (no
//	    line two                comments inside: "# x" there is text)
//	  EOT
//	key = again               # a repeated key keeps every value, in order
//	<block>                   # an unnamed block ...
//	  <inner name>            # ... and a named one, nested
//	  </inner>
//	</block>
//	<empty/>                  # same as <empty></empty>
//	<<include other.conf>>    # relative to the including file; globs with Options.IncludeGlob
//
// Values keep their case and the file and line they come from, so that the
// programs reading them can name the place of every problem. With
// [Options.InterpolateVars] (simplevisor's setting), $name and ${name}
// in values are replaced by the value of an option defined earlier in the
// same block or an enclosing one, as Config::General's InterPolateVars does;
// text in single quotes and \$ are left alone.
//
// Differences from Config::General, all on input it would misread: a
// closing tag must name the block it closes, and an unterminated block,
// here-doc, C comment or continued line at the end of a file is an error
// instead of being silently dropped; an include that includes itself again
// is an error instead of an endless loop; a line ending in /> is an empty
// block only when it starts with <; a name used both for an option and a
// block is kept (Config::General refuses it). Otherwise the trees are Config::General's:
// this parser was checked against Config::General 2.65 on the test files
// and a few hundred generated ones, with both programs' options.
package confgen
