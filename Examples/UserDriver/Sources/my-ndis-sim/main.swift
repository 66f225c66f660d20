import MyFilter
import NDISSimCLI
NDISSimCommandLine.main(drivers: MyFilter.drivers)
