import NDIS

public enum CanaryCatalog {
    public static let all: [DriverEntry] = []
}
