@_exported import Simulation
@_exported import Kernel
@_exported import NDIS
@_exported import Verifier
@_exported import Drivers
@_exported import Harness
