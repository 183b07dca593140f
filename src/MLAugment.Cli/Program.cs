Console.WriteLine("mlaugment: not yet");
