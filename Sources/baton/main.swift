import ArgumentParser
import BatonCLI

await BatonCommand.main()
