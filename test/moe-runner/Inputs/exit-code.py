# Runs a command, echoes its stdout and stderr (merged), then prints
# "exit <status> lines <number of output lines>" so that tests can check the
# exact exit code and that the command printed a single line.
import subprocess
import sys

result = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
output = result.stdout.decode(errors="replace")
sys.stdout.write(output)
print("exit %d lines %d" % (result.returncode, output.count("\n")))
