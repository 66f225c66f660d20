// The ndis-sim command: the stock drivers and scenarios. All logic lives in NDISSimCLI.
import NDISSimCLI

NDISSimCommandLine.main()
