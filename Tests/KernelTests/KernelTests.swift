import Testing
import Simulation
import Kernel
